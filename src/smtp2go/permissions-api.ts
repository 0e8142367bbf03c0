import { asRecord, callEndpoint, rawData, stringList, type ApiConnection } from './api-connection.js';

export interface ApiKeyPermissions {
  /** Endpoint paths the key may call, normalised to start with `/` (e.g. `/email/send`). */
  endpoints: string[];
  canSend: boolean;
}

/**
 * POST /api_keys/permissions: the cheapest call that proves a key is accepted. The list has been
 * documented both as `data.permissions` and as `data.endpoints`, with and without a leading slash.
 */
export async function fetchApiKeyPermissions(connection: ApiConnection): Promise<ApiKeyPermissions> {
  const response = await callEndpoint(connection, '/api_keys/permissions', {});
  return parsePermissions(response.json);
}

export function parsePermissions(json: unknown): ApiKeyPermissions {
  const data = rawData(json);
  const record = asRecord(data);
  const list = Array.isArray(data)
    ? data
    : (record.permissions ?? record.endpoints ?? record.allowed_endpoints ?? []);
  const endpoints = stringList(list).map((entry) =>
    `/${entry.replace(/^\/+/, '').replace(/^v3\//, '')}`.toLowerCase(),
  );
  return { endpoints, canSend: endpoints.some(allowsSend) };
}

// Keys can be granted wildcards such as `*` or `/email/*`.
function allowsSend(endpoint: string): boolean {
  return endpoint === '/email/send' || endpoint === '/*' || endpoint === '/email/*';
}
