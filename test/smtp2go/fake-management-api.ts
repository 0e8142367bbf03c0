import type { ServerResponse } from 'node:http';
import { startRecordingServer, type ReceivedRequest } from './recording-server.js';

/** A route's answer: status, JSON body, extra headers. */
export interface RouteAnswer {
  status?: number;
  json: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (request: ReceivedRequest) => RouteAnswer;

export interface FakeManagementApi {
  url: string;
  requests: ReceivedRequest[];
  calls: (path: string) => ReceivedRequest[];
  close: () => Promise<void>;
}

const requestId = 'aa253464-0bd0-467a-b24b-6159dcd7be60';

export function ok(data: unknown): RouteAnswer {
  return { status: 200, json: { request_id: requestId, data } };
}

export function apiError(status: number, errorCode: string, error: string): RouteAnswer {
  return { status, json: { request_id: requestId, data: { error_code: errorCode, error } } };
}

/**
 * A stand-in for SMTP2Go's management endpoints, routed by path (under /v3), recording every request.
 * Unknown paths answer 404 the way SMTP2Go does, so a typo in an endpoint fails the test.
 */
export async function startFakeManagementApi(
  routes: Record<string, RouteHandler>,
): Promise<FakeManagementApi> {
  const requests: ReceivedRequest[] = [];
  const server = await startRecordingServer((incoming, res) => {
    const path = incoming.path.replace(/^\/v3/, '');
    const received = { ...incoming, path };
    requests.push(received);
    const handler = routes[path];
    send(
      res,
      handler === undefined
        ? apiError(404, 'E_ApiResponseCodes.ENDPOINT_NOT_FOUND', `no such endpoint ${path}`)
        : handler(received),
    );
  });
  return {
    url: `${server.origin}/v3`,
    requests,
    calls: (path) => requests.filter((request) => request.path === path),
    close: server.close,
  };
}

function send(res: ServerResponse, answer: RouteAnswer): void {
  res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
  res.end(JSON.stringify(answer.json));
}

export interface StoredWebhook {
  id: number;
  url: string;
  events: string[];
  headers: string[];
  usernames: string[];
  output_format: string;
  auth_header_type: string;
  auth_header_value: string;
}

/**
 * SMTP2Go's webhook endpoints with state: `view` answers `data` as an ARRAY (as the live service does,
 * despite its docs), `add` is refused once `maxWebhooks` exist (the free plan allows one).
 */
export function webhookRoutes(webhooks: StoredWebhook[], maxWebhooks = 1): Record<string, RouteHandler> {
  let nextId = 4320 + webhooks.length;
  const fields = (body: Record<string, unknown>) => ({
    url: String(body.url ?? ''),
    events: (body.events as string[] | undefined) ?? [],
    headers: (body.headers as string[] | undefined) ?? [],
    output_format: String(body.output_format ?? 'form'),
    auth_header_type: String(body.auth_header_type ?? ''),
    auth_header_value: String(body.auth_header_value ?? ''),
  });
  return {
    '/webhook/view': () => ok(webhooks),
    '/webhook/add': ({ body }) => {
      if (webhooks.length >= maxWebhooks) {
        return apiError(
          400,
          'E_ApiResponseCodes.WEBHOOK_LIMIT_REACHED',
          'You have reached the maximum number of webhooks allowed on your plan',
        );
      }
      const webhook = { id: nextId++, usernames: [], ...fields(body) };
      webhooks.push(webhook);
      return ok(webhook);
    },
    '/webhook/edit': ({ body }) => {
      const index = webhooks.findIndex((webhook) => webhook.id === body.id);
      if (index < 0)
        return apiError(400, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD', 'webhook not found');
      const existing = webhooks[index] as StoredWebhook;
      webhooks[index] = { ...existing, ...fields({ ...existing, ...body }) };
      return ok(webhooks[index]);
    },
    '/webhook/remove': ({ body }) => {
      const index = webhooks.findIndex((webhook) => webhook.id === body.id);
      if (index < 0)
        return apiError(400, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD', 'webhook not found');
      webhooks.splice(index, 1);
      return ok({ id: body.id });
    },
  };
}
