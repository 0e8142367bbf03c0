/**
 * A request the listener refuses, with the HTTP status to answer. Thrown by the pure parse/verify layer
 * and turned into a response by the handler; 4xx tells SMTP2Go not to bother retrying, 5xx asks it to.
 */
export class WebhookHttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookHttpError';
    this.status = status;
  }
}

export function isWebhookHttpError(error: unknown): error is WebhookHttpError {
  return error instanceof WebhookHttpError;
}
