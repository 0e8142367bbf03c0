import { afterEach, describe, expect, it } from 'vitest';
import { searchActivity } from '../../src/smtp2go/activity-api.js';
import { Smtp2goHttpError } from '../../src/smtp2go/errors.js';
import { fetchApiKeyPermissions, parsePermissions } from '../../src/smtp2go/permissions-api.js';
import { createRateLimiter } from '../../src/smtp2go/rate-limiter.js';
import {
  addWebhook,
  editWebhook,
  listWebhooks,
  parseWebhookList,
  removeWebhook,
  WebhookLimitError,
  type WebhookSpec,
} from '../../src/smtp2go/webhooks-api.js';
import { API_KEY } from '../helpers/constants.js';
import {
  apiError,
  ok,
  startFakeManagementApi,
  webhookRoutes,
  type FakeManagementApi,
  type StoredWebhook,
} from './fake-management-api.js';
import { fakeClock } from './fake-smtp2go.js';

let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const spec: WebhookSpec = {
  url: 'https://portal.example.com/api/webhooks/smtp2go/events',
  events: ['processed', 'delivered', 'bounce'],
  headers: ['X-Portal-Tracking-Id'],
  authHeaderType: 'bearer',
  authHeaderValue: 'secret-secret-secret-1',
};

describe('permissions', () => {
  it('reads the endpoint list and whether /email/send is in it; the key goes only in the header', async () => {
    api = await startFakeManagementApi({
      '/api_keys/permissions': () => ok({ permissions: ['email/send', '/webhook/view'] }),
    });
    const result = await fetchApiKeyPermissions({ apiUrl: api.url, apiKey: API_KEY });
    expect(result).toEqual({ endpoints: ['/email/send', '/webhook/view'], canSend: true });
    expect(api.requests[0]?.headers['x-smtp2go-api-key']).toBe(API_KEY);
    expect(api.requests[0]?.rawBody).not.toContain(API_KEY);
  });

  it.each([
    [{ endpoints: ['/stats/email_summary'] }, false],
    [{ endpoints: ['/email/*'] }, true],
    [['*'], true],
  ])('%j → canSend %s', (data, canSend) => {
    expect(parsePermissions({ data }).canSend).toBe(canSend);
  });

  it('a rejected key is an auth error', async () => {
    api = await startFakeManagementApi({
      '/api_keys/permissions': () => apiError(401, 'E_ApiResponseCodes.API_KEY_INVALID', 'Invalid API key'),
    });
    const error = await fetchApiKeyPermissions({ apiUrl: api.url, apiKey: API_KEY }).catch((e: unknown) => e);
    expect((error as Smtp2goHttpError).errorClass).toBe('auth');
  });
});

describe('webhooks', () => {
  it('view: data is an array (despite the docs); headers may come back as one string', async () => {
    api = await startFakeManagementApi({
      '/webhook/view': () =>
        ok([
          {
            id: 4320,
            url: 'https://a.example/x',
            events: ['Delivered', 'open'],
            headers: 'X-A, X-B',
            output_format: 'json',
            auth_header_type: 'bearer',
            auth_header_value: 'tok',
          },
        ]),
    });
    const [webhook, ...rest] = await listWebhooks({ apiUrl: api.url, apiKey: API_KEY });
    expect(rest).toEqual([]);
    expect(webhook).toMatchObject({
      id: '4320',
      url: 'https://a.example/x',
      events: ['delivered', 'open'],
      headers: ['X-A', 'X-B'],
      outputFormat: 'json',
      authHeaderType: 'bearer',
    });
  });

  it('view also accepts the documented object shape and an empty answer', () => {
    expect(parseWebhookList({ data: { webhooks: [{ id: 1, url: 'u' }] } }).map((w) => w.id)).toEqual(['1']);
    expect(parseWebhookList({ data: [] })).toEqual([]);
    expect(parseWebhookList(null)).toEqual([]);
  });

  it('add always sends output_format json and the bearer header; edit sends the numeric id; remove removes', async () => {
    const stored: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(stored, 2));
    const connection = { apiUrl: api.url, apiKey: API_KEY };
    const added = await addWebhook(connection, spec);
    expect(api.calls('/webhook/add')[0]?.body).toMatchObject({
      output_format: 'json',
      auth_header_type: 'bearer',
      auth_header_value: spec.authHeaderValue,
      headers: ['X-Portal-Tracking-Id'],
    });
    expect(added?.id).toBe('4320');
    await editWebhook(connection, '4320', { ...spec, events: ['open'] });
    expect(api.calls('/webhook/edit')[0]?.body).toMatchObject({
      id: 4320,
      output_format: 'json',
      events: ['open'],
    });
    expect(stored[0]?.events).toEqual(['open']);
    await removeWebhook(connection, '4320');
    expect(stored).toEqual([]);
  });

  it('a free-plan refusal of a second webhook is a WebhookLimitError', async () => {
    const stored: StoredWebhook[] = [
      {
        id: 1,
        url: 'https://other.example/hook',
        events: [],
        headers: [],
        usernames: [],
        output_format: 'form',
        auth_header_type: '',
        auth_header_value: '',
      },
    ];
    api = await startFakeManagementApi(webhookRoutes(stored, 1));
    const error = await addWebhook({ apiUrl: api.url, apiKey: API_KEY }, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookLimitError);
    expect(stored).toHaveLength(1);
  });

  it('a permission refusal is not mistaken for the plan limit', async () => {
    api = await startFakeManagementApi({
      '/webhook/add': () =>
        apiError(
          403,
          'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED',
          'You do not have permission to access this API endpoint',
        ),
    });
    const error = await addWebhook({ apiUrl: api.url, apiKey: API_KEY }, spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Smtp2goHttpError);
    expect(error).not.toBeInstanceOf(WebhookLimitError);
  });
});

function activityPages(): Array<{ events: unknown[]; continue_token: string | null }> {
  const row = (event: string, date: string, extra: Record<string, unknown> = {}) => ({
    event,
    date,
    email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
    recipient: 'bob@example.org',
    ...extra,
  });
  return [
    {
      events: [row('processed', '2026-09-10T08:00:00Z'), row('delivered', '2026-09-10T08:00:02Z')],
      continue_token: 'page-2',
    },
    { events: [row('opened', '2026-09-10T08:05:00Z')], continue_token: 'page-3' },
    {
      events: [row('clicked', '2026-09-10T08:06:00Z', { url: 'https://example.com/a' })],
      continue_token: null,
    },
  ];
}

describe('activity search', () => {
  it('follows continue_token, backs off on a 429 on the third page and resumes that page', async () => {
    const pages = activityPages();
    let thirdPageSeen = 0;
    api = await startFakeManagementApi({
      '/activity/search': ({ body }) => {
        const index =
          body.continue_token === undefined ? 0 : Number(String(body.continue_token).slice(-1)) - 1;
        if (index === 2 && thirdPageSeen++ === 0) {
          return {
            ...apiError(429, 'E_ApiResponseCodes.REQ_LIMIT_EXCEEDED', 'This endpoint is rate limited'),
            headers: { 'retry-after': '7' },
          };
        }
        return ok({ ...pages[index], total_events: 4 });
      },
    });
    const clock = fakeClock();
    const reports: Array<{ page: number; status: number; retryInMs: number | null }> = [];
    const events = await searchActivity(
      { apiUrl: api.url, apiKey: API_KEY },
      {
        emailId: '1u0SwL-B9zBpi9ffUq-JAB2',
        startDate: '2026-09-10T00:00:00Z',
        customHeaders: ['X-Portal-Tracking-Id'],
      },
      { clock, onRequest: (report) => reports.push(report) },
    );
    expect(events.map((event) => event.event)).toEqual(['processed', 'delivered', 'opened', 'clicked']);
    const bodies = api.calls('/activity/search').map((request) => request.body);
    expect(bodies.map((body) => body.continue_token ?? null)).toEqual([null, 'page-2', 'page-3', 'page-3']);
    expect(
      bodies.every(
        (body) =>
          body.search_email_id === '1u0SwL-B9zBpi9ffUq-JAB2' && body.start_date === '2026-09-10T00:00:00Z',
      ),
    ).toBe(true);
    expect(bodies[0]?.custom_headers).toEqual(['X-Portal-Tracking-Id']);
    expect(clock.sleeps).toEqual([7_000]);
    expect(reports.map((r) => [r.page, r.status, r.retryInMs])).toEqual([
      [1, 200, null],
      [2, 200, null],
      [3, 429, 7_000],
      [3, 200, null],
    ]);
  });

  it('gives up after the retry budget and throws the rate-limit error', async () => {
    api = await startFakeManagementApi({
      '/activity/search': () => apiError(429, 'E_ApiResponseCodes.REQ_LIMIT_EXCEEDED', 'slow down'),
    });
    const clock = fakeClock();
    const error = await searchActivity(
      { apiUrl: api.url, apiKey: API_KEY },
      { emailId: 'x', startDate: '2026-01-01' },
      { clock, policy: { maxAttempts: 3 } },
    ).catch((e: unknown) => e);
    expect((error as Smtp2goHttpError).errorClass).toBe('rate_limited');
    expect(api.requests).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  it('a 400 is not retried', async () => {
    api = await startFakeManagementApi({
      '/activity/search': () => apiError(400, 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD', 'bad date'),
    });
    await expect(
      searchActivity(
        { apiUrl: api.url, apiKey: API_KEY },
        { emailId: 'x', startDate: 'nope' },
        { clock: fakeClock() },
      ),
    ).rejects.toThrow(/bad date/);
    expect(api.requests).toHaveLength(1);
  });
});

describe('rate limiter', () => {
  it('lets 60 requests through at once, then waits for the window to slide', async () => {
    const clock = fakeClock(0);
    const limiter = createRateLimiter(60, 60_000, clock);
    for (let i = 0; i < 60; i += 1) await limiter.acquire();
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([60_000]);
  });
});
