import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacHex, signWebhookBody } from '../../src/webhook/sign.js';
import {
  verifyWebhookRequest,
  type VerifyOptions,
  type VerifyResult,
  verifyWebhookHeaders,
} from '../../src/webhook/verify.js';
import { PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET } from '../helpers/constants.js';

const NOW = 1_790_000_000;
const BODY = Buffer.from(
  '{"event":"delivered","email_id":"1qAbCd-0001Xy-Zz","rcpt":"zoë@example.com","time":"2026-09-12T10:00:00Z"}',
  'utf8',
);
const options: VerifyOptions = { secrets: [WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET], nowSeconds: NOW };

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
const hex = (secret: string, body: Buffer = BODY) => hmacHex(body, secret);
const b64 = (secret: string, body: Buffer = BODY) => Buffer.from(hex(secret, body), 'hex').toString('base64');

const reasons: string[] = [];
function verify(
  headers: IncomingHttpHeaders,
  body: Buffer = BODY,
  opts: Partial<VerifyOptions> = {},
): VerifyResult {
  const result = verifyWebhookRequest(headers, body, { ...options, ...opts });
  if (!result.ok) reasons.push(result.reason);
  return result;
}
function expectRejected(result: VerifyResult, reason?: RegExp): void {
  expect(result.ok).toBe(false);
  if (!result.ok && reason) expect(result.reason).toMatch(reason);
}

describe('verifyWebhookRequest: accepted methods', () => {
  const methods: [string, (secret: string) => IncomingHttpHeaders, string][] = [
    ['Bearer', (s) => ({ authorization: `Bearer ${s}` }), 'bearer'],
    ['bearer (scheme is case-insensitive)', (s) => ({ authorization: `bearer ${s}` }), 'bearer'],
    ['Basic as SMTP2Go sends it', (s) => ({ authorization: basic('smtp2go', s) }), 'basic'],
    ['Basic with an empty user', (s) => ({ authorization: basic('', s) }), 'basic'],
    ['Basic without padding', (s) => ({ authorization: basic('u', s).replace(/=+$/, '') }), 'basic'],
    ['lowercase hex', (s) => ({ 'x-smtp2go-signature': hex(s) }), 'hmac'],
    ['uppercase hex', (s) => ({ 'x-smtp2go-signature': hex(s).toUpperCase() }), 'hmac'],
    ['sha256=<hex>', (s) => ({ 'x-smtp2go-signature': `sha256=${hex(s)}` }), 'hmac'],
    ['base64', (s) => ({ 'x-smtp2go-signature': b64(s) }), 'hmac'],
    ['base64url', (s) => ({ 'x-smtp2go-signature': b64(s).replace(/\+/g, '-').replace(/\//g, '_') }), 'hmac'],
    ['t=,v1=', (s) => ({ 'x-smtp2go-signature': signWebhookBody(BODY, s, NOW) }), 'hmac-timestamped'],
    ['mixed-case header name', (s) => ({ 'X-Smtp2go-Signature': hex(s) }), 'hmac'],
  ];
  for (const [name, headersFor, method] of methods) {
    it.each([
      ['current', WEBHOOK_SECRET],
      ['previous', PREVIOUS_WEBHOOK_SECRET],
    ])(`${name} with the %s secret`, (_, secret) => {
      expect(verify(headersFor(secret))).toEqual({ ok: true, method });
    });
  }

  it('Basic passwords may contain colons (only the first colon splits)', () => {
    const secret = 'a:b:c-long-enough';
    expect(verify({ authorization: basic('user', secret) }, BODY, { secrets: [secret] })).toEqual({
      ok: true,
      method: 'basic',
    });
  });

  it('any one of several v1 signatures may match', () => {
    const good = signWebhookBody(BODY, PREVIOUS_WEBHOOK_SECRET, NOW).split(',')[1];
    const header = `t=${NOW},v1=${'0'.repeat(64)},v0=whatever,${good}`;
    expect(verify({ 'x-smtp2go-signature': header })).toEqual({ ok: true, method: 'hmac-timestamped' });
  });

  it('t= within the tolerance passes on both sides, and the tolerance is configurable', () => {
    for (const t of [NOW - 300, NOW + 300]) {
      expect(verify({ 'x-smtp2go-signature': signWebhookBody(BODY, WEBHOOK_SECRET, t) }).ok).toBe(true);
    }
    const old = signWebhookBody(BODY, WEBHOOK_SECRET, NOW - 900);
    expect(verify({ 'x-smtp2go-signature': old }, BODY, { toleranceSeconds: 900 }).ok).toBe(true);
    expectRejected(verify({ 'x-smtp2go-signature': old }, BODY, { toleranceSeconds: 899 }), /tolerance/);
  });

  it('one method passing is enough even when another carries a wrong credential', () => {
    expect(
      verify({ authorization: 'Bearer wrong-token', 'x-smtp2go-signature': hex(WEBHOOK_SECRET) }),
    ).toEqual({
      ok: true,
      method: 'hmac',
    });
    expect(
      verify({ authorization: `Bearer ${WEBHOOK_SECRET}`, 'x-smtp2go-signature': hex('wrong') }),
    ).toEqual({
      ok: true,
      method: 'bearer',
    });
  });

  it('empty strings in the secret list are ignored, not matched', () => {
    expect(
      verify({ authorization: `Bearer ${WEBHOOK_SECRET}` }, BODY, { secrets: ['', WEBHOOK_SECRET] }).ok,
    ).toBe(true);
    expectRejected(
      verify({ authorization: basic('u', '') }, BODY, { secrets: ['', WEBHOOK_SECRET] }),
      /did not match/,
    );
  });

  it('insecure passes anything, even with no secret and no header', () => {
    expect(verify({}, BODY, { secrets: [], insecure: true })).toEqual({ ok: true, method: 'insecure' });
  });
});

describe('verifyWebhookRequest: rejections', () => {
  it('no credentials at all', () => {
    expectRejected(verify({}), /no credentials/);
    expectRejected(verify({ 'content-type': 'application/json' }), /no credentials/);
  });

  it.each([[[]], [['']], [['', '']]])('fails closed with secrets %j and no insecure flag', (secrets) => {
    expectRejected(verify({ authorization: 'Bearer ' }, BODY, { secrets }), /no webhook secret/);
    expectRejected(verify({ authorization: basic('u', '') }, BODY, { secrets }), /no webhook secret/);
  });

  it.each<[string, IncomingHttpHeaders]>([
    ['Bearer', { authorization: 'Bearer not-the-secret' }],
    ['Basic', { authorization: basic('smtp2go', 'not-the-secret') }],
    ['Basic with the secret as user', { authorization: basic(WEBHOOK_SECRET, 'x') }],
    ['hex', { 'x-smtp2go-signature': hex('not-the-secret') }],
    ['base64', { 'x-smtp2go-signature': b64('not-the-secret') }],
    ['t=', { 'x-smtp2go-signature': signWebhookBody(BODY, 'not-the-secret', NOW) }],
  ])('wrong secret: %s', (_, headers) => {
    expectRejected(verify(headers), /did not match/);
  });

  it('a prefix or extension of the secret does not pass', () => {
    expectRejected(verify({ authorization: `Bearer ${WEBHOOK_SECRET.slice(0, -1)}` }), /did not match/);
    expectRejected(verify({ authorization: `Bearer ${WEBHOOK_SECRET}x` }), /did not match/);
  });

  it('tampered body fails every signature form', () => {
    const tampered = Buffer.from(BODY.toString('utf8').replace('delivered', 'bounce'), 'utf8');
    for (const header of [
      hex(WEBHOOK_SECRET),
      b64(WEBHOOK_SECRET),
      `sha256=${hex(WEBHOOK_SECRET)}`,
      signWebhookBody(BODY, WEBHOOK_SECRET, NOW),
    ]) {
      expectRejected(verify({ 'x-smtp2go-signature': header }, tampered), /did not match/);
    }
  });

  it('a re-encoded body fails: bytes are verified, not parsed JSON', () => {
    const reencoded = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 1), 'utf8');
    expectRejected(verify({ 'x-smtp2go-signature': hex(WEBHOOK_SECRET) }, reencoded), /did not match/);
    const asciiEscaped = Buffer.from(BODY.toString('utf8').replace('ë', '\\u00eb'), 'utf8');
    expectRejected(verify({ 'x-smtp2go-signature': hex(WEBHOOK_SECRET) }, asciiEscaped), /did not match/);
  });

  it('a body that is not valid UTF-8 verifies as bytes, and its UTF-8 round trip does not', () => {
    const raw = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
    const header = signWebhookBody(raw, WEBHOOK_SECRET, NOW);
    expect(verify({ 'x-smtp2go-signature': header }, raw).ok).toBe(true);
    expectRejected(verify({ 'x-smtp2go-signature': header }, Buffer.from(raw.toString('utf8'), 'utf8')));
  });

  it.each([
    ['in the past', NOW - 301],
    ['in the future', NOW + 301],
    ['at the epoch', 0],
  ])('stale t= %s', (_, t) => {
    expectRejected(verify({ 'x-smtp2go-signature': signWebhookBody(BODY, WEBHOOK_SECRET, t) }), /tolerance/);
  });

  it('the timestamp is covered by the MAC: moving t to now breaks it', () => {
    const v1 = signWebhookBody(BODY, WEBHOOK_SECRET, NOW - 1000).split(',')[1];
    expectRejected(verify({ 'x-smtp2go-signature': `t=${NOW},${v1}` }), /did not match/);
  });

  it.each([
    `t=abc,v1=${'a'.repeat(64)}`,
    `t=,v1=${'a'.repeat(64)}`,
    `t=-5,v1=${'a'.repeat(64)}`,
    `t=1.5,v1=${'a'.repeat(64)}`,
    `t=1e9,v1=${'a'.repeat(64)}`,
    `t=${'9'.repeat(13)},v1=${'a'.repeat(64)}`,
    `v1=${'a'.repeat(64)}`,
    `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`,
  ])('unparseable t: %s', (header) => {
    expectRejected(verify({ 'x-smtp2go-signature': header }), /unparseable signature timestamp/);
  });

  it.each([
    'not-a-signature',
    'sha256=',
    `sha256=${'z'.repeat(64)}`,
    'a'.repeat(63),
    'a'.repeat(65),
    Buffer.alloc(31).toString('base64'),
    Buffer.alloc(33).toString('base64'),
    `t=${NOW}`,
    `t=${NOW},v1=${'a'.repeat(63)}`,
    `t=${NOW}, v1=${'a'.repeat(64)}`,
    `t=${NOW},,v1=${'a'.repeat(64)}`,
  ])('malformed signature header: %s', (header) => {
    expectRejected(verify({ 'x-smtp2go-signature': header }), /malformed signature/);
  });

  it.each([
    'Bearer',
    'Bearer ',
    'Bearer two words',
    `Bearer${WEBHOOK_SECRET}`,
    `Token ${WEBHOOK_SECRET}`,
    `Digest ${WEBHOOK_SECRET}`,
    'Basic',
    'Basic !!!!',
    `Basic ${Buffer.from(`no-colon-${WEBHOOK_SECRET}`).toString('base64')}`,
    `Basic ${Buffer.from(`u:${WEBHOOK_SECRET}`).toString('base64')}x`,
    `Basic ${Buffer.from(`u:${WEBHOOK_SECRET}`).toString('base64')} extra`,
    'Basic dXM6cA==x=',
    'Basic dXM6cB==',
  ])('malformed Authorization: %s', (value) => {
    expectRejected(verify({ authorization: value }), /malformed authorization/);
  });

  it('a malformed Authorization rejects the request even with a valid signature (no guessing on doubt)', () => {
    expectRejected(
      verify({ authorization: 'Digest x', 'x-smtp2go-signature': hex(WEBHOOK_SECRET) }),
      /malformed/,
    );
    expectRejected(
      verify({ authorization: `Bearer ${WEBHOOK_SECRET}`, 'x-smtp2go-signature': 'junk' }),
      /malformed/,
    );
  });

  it.each<[string, IncomingHttpHeaders]>([
    ['non-ASCII Bearer', { authorization: `Bearer ${WEBHOOK_SECRET}é` }],
    [
      'latin1 bytes as Node hands them over',
      { authorization: `Bearer ${Buffer.from(`${WEBHOOK_SECRET}é`).toString('latin1')}` },
    ],
    ['control character', { authorization: `Bearer ${WEBHOOK_SECRET}\u0000` }],
    ['non-ASCII signature', { 'x-smtp2go-signature': `${hex(WEBHOOK_SECRET)}\u00a0` }],
    ['tab inside a signature', { 'x-smtp2go-signature': `t=${NOW},\tv1=${hex(WEBHOOK_SECRET)}` }],
  ])('%s', (_, headers) => {
    expectRejected(verify(headers), /non-ASCII/);
  });

  it('oversized headers are refused before any parsing', () => {
    expectRejected(
      verify({ 'x-smtp2go-signature': `${hex(WEBHOOK_SECRET)},${'v0=x,'.repeat(1000)}` }),
      /signature header too large/,
    );
    expectRejected(verify({ authorization: `Bearer ${'a'.repeat(5000)}` }), /authorization header too large/);
    const manyV1 = `t=${NOW},${`v1=${'0'.repeat(64)},`.repeat(50)}${signWebhookBody(BODY, WEBHOOK_SECRET, NOW).split(',')[1]}`;
    expect(manyV1.length).toBeLessThanOrEqual(4096);
    expect(verify({ 'x-smtp2go-signature': manyV1 }).ok).toBe(true);
  });

  it.each<[string, IncomingHttpHeaders]>([
    [
      'Authorization array',
      {
        authorization: [`Bearer ${WEBHOOK_SECRET}`, `Bearer ${WEBHOOK_SECRET}`],
      } as unknown as IncomingHttpHeaders,
    ],
    [
      'single-element array',
      { authorization: [`Bearer ${WEBHOOK_SECRET}`] } as unknown as IncomingHttpHeaders,
    ],
    ['signature array', { 'x-smtp2go-signature': [hex(WEBHOOK_SECRET), hex(WEBHOOK_SECRET)] }],
    [
      'two spellings of one name',
      { authorization: `Bearer ${WEBHOOK_SECRET}`, Authorization: `Bearer ${WEBHOOK_SECRET}` },
    ],
  ])('duplicate headers: %s', (_, headers) => {
    expectRejected(verify(headers), /repeated/);
  });

  it('two signature headers joined by Node with ", " never pass', () => {
    const joined = `${signWebhookBody(BODY, WEBHOOK_SECRET, NOW)}, ${signWebhookBody(BODY, 'attacker', NOW)}`;
    expectRejected(verify({ 'x-smtp2go-signature': joined }), /malformed|unparseable/);
    expectRejected(
      verify({ 'x-smtp2go-signature': `${hex(WEBHOOK_SECRET)}, ${hex('attacker')}` }),
      /malformed/,
    );
  });

  it('empty header values are refused', () => {
    expectRejected(verify({ authorization: '' }), /authorization header empty/);
    expectRejected(verify({ 'x-smtp2go-signature': '   ' }), /signature header empty/);
  });

  it('any exception is a rejection, never a pass', () => {
    const throwing = Object.defineProperty({}, 'authorization', {
      enumerable: true,
      get() {
        throw new Error(`boom ${WEBHOOK_SECRET}`);
      },
    }) as IncomingHttpHeaders;
    expect(verify(throwing)).toEqual({ ok: false, reason: 'verification error' });
    expect(verify(null as unknown as IncomingHttpHeaders)).toEqual({
      ok: false,
      reason: 'verification error',
    });
    const badSecrets = { ...options, secrets: null as unknown as string[] };
    expectRejected(verifyWebhookRequest({ authorization: `Bearer ${WEBHOOK_SECRET}` }, BODY, badSecrets));
  });

  it('bad options and a body that is not bytes fail closed', () => {
    const headers = { 'x-smtp2go-signature': signWebhookBody(BODY, WEBHOOK_SECRET, NOW) };
    expectRejected(verify(headers, BODY, { nowSeconds: Number.NaN }), /invalid clock/);
    expectRejected(verify(headers, BODY, { nowSeconds: NOW * 1000 }), /invalid clock/);
    expectRejected(verify(headers, BODY, { toleranceSeconds: -1 }), /invalid tolerance/);
    expectRejected(verify(headers, BODY, { toleranceSeconds: Number.NaN }), /invalid tolerance/);
    expectRejected(verify(headers, BODY.toString('utf8') as unknown as Buffer), /not raw bytes/);
  });

  it('no rejection reason so far contains a secret or the body', () => {
    expect(reasons.length).toBeGreaterThan(50);
    for (const reason of reasons) {
      expect(reason).not.toContain(WEBHOOK_SECRET);
      expect(reason).not.toContain(PREVIOUS_WEBHOOK_SECRET);
      expect(reason).not.toContain('delivered');
      expect(reason.length).toBeLessThan(100);
    }
  });
});

describe('verifyWebhookRequest: properties', () => {
  const secretArb = fc.string({ minLength: 16, maxLength: 64 }).filter((s) => s.trim().length >= 16);

  it('any body signed by signWebhookBody verifies; any single-byte mutation does not', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2048 }),
        secretArb,
        fc.integer({ min: -300, max: 300 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, secret, skew, at, flip) => {
          const body = Buffer.from(bytes);
          const header = signWebhookBody(body, secret, NOW + skew);
          const opts = { secrets: [secret], nowSeconds: NOW };
          expect(verifyWebhookRequest({ 'x-smtp2go-signature': header }, body, opts)).toEqual({
            ok: true,
            method: 'hmac-timestamped',
          });
          const plain = { 'x-smtp2go-signature': hmacHex(body, secret) };
          expect(verifyWebhookRequest(plain, body, opts).ok).toBe(true);
          if (body.length === 0) return;
          const mutated = Buffer.from(body);
          const index = at % mutated.length;
          mutated[index] = (mutated[index] ?? 0) ^ flip;
          expect(verifyWebhookRequest({ 'x-smtp2go-signature': header }, mutated, opts).ok).toBe(false);
          expect(verifyWebhookRequest(plain, mutated, opts).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('verifyWebhookHeaders: the verdict on the headers alone, when there is one, is the verdict on the whole request', () => {
    const credential = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        `Bearer ${WEBHOOK_SECRET}`,
        `Bearer ${PREVIOUS_WEBHOOK_SECRET}`,
        'Bearer nope',
        basic('smtp2go', WEBHOOK_SECRET),
        basic('u', 'nope'),
        'Basic',
        'Token x',
      ),
      fc.constant([`Bearer ${WEBHOOK_SECRET}`, 'Bearer other']),
    );
    const signature = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 80 }),
      fc.integer({ min: -400, max: 400 }).map((skew) => signWebhookBody(BODY, WEBHOOK_SECRET, NOW + skew)),
      fc.constantFrom(
        hex(WEBHOOK_SECRET),
        hex('wrong-secret-000000000'),
        `sha256=${hex(PREVIOUS_WEBHOOK_SECRET)}`,
        b64(WEBHOOK_SECRET),
        'sha256=zz',
      ),
    );
    fc.assert(
      fc.property(credential, signature, fc.boolean(), (authorization, sig, mutate) => {
        const headers: IncomingHttpHeaders = {};
        if (authorization !== undefined) headers.authorization = authorization as string;
        if (sig !== undefined) headers['x-smtp2go-signature'] = sig;
        const body = mutate ? Buffer.concat([BODY, Buffer.from(' ')]) : BODY;
        const early = verifyWebhookHeaders(headers, options);
        const full = verifyWebhookRequest(headers, body, options);
        if (early !== null) expect(early).toEqual(full);
        // Only a signature can need the body.
        else expect(headers['x-smtp2go-signature']).toBeDefined();
      }),
      { numRuns: 1_000 },
    );
  });

  it('rejection reasons never contain the secret, whatever the headers', () => {
    const headerValue = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('Bearer ', 'Basic ', 't=1,v1=', 'sha256='),
    );
    fc.assert(
      fc.property(secretArb, headerValue, headerValue, fc.boolean(), (secret, auth, sig, embed) => {
        const headers: IncomingHttpHeaders = {
          authorization: embed ? `${auth}${secret}` : auth,
          'x-smtp2go-signature': embed ? `${sig}${secret}` : sig,
        };
        const result = verifyWebhookRequest(headers, BODY, {
          secrets: [`${secret}!`, secret],
          nowSeconds: NOW,
        });
        if (!result.ok) expect(result.reason).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});
