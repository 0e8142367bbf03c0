import { Agent, request } from 'undici';

export interface PostRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface PostResponse {
  status: number;
  body: string;
  ms: number;
}

export type PostEvent = (req: PostRequest) => Promise<PostResponse>;

/**
 * One POST with its own short-lived agent, closed afterwards, so the command exits as soon as it has its
 * answer. `webhook trigger` sends a single event; pooling and retries belong to `webhook replay`.
 */
export const postEvent: PostEvent = async ({ url, body, headers, timeoutMs }) => {
  const agent = new Agent({ connect: { timeout: timeoutMs } });
  const started = performance.now();
  try {
    const response = await request(url, { method: 'POST', body, headers, dispatcher: agent, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await response.body.text();
    return { status: response.statusCode, body: text, ms: Math.round(performance.now() - started) };
  } finally {
    await agent.close();
  }
};
