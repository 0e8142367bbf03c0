import { describe, expect, it } from 'vitest';
import { classifyTransportError } from '../../src/smtp2go/transport-error.js';

const coded = (code: string, cause?: unknown) =>
  Object.assign(new Error(`failed ${code}`, cause === undefined ? undefined : { cause }), { code });

describe('classifyTransportError', () => {
  it.each([
    ['ENOTFOUND', true, 'certain', 'dns'],
    ['EAI_AGAIN', false, 'certain', 'dns'],
    ['ECONNREFUSED', false, 'certain', 'connection_refused'],
    ['UND_ERR_CONNECT_TIMEOUT', false, 'certain', 'connect_timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', false, 'certain', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', false, 'certain', 'tls'],
    ['ECONNRESET', false, 'certain', 'network'],
    ['ECONNRESET', true, 'ambiguous', 'reset'],
    ['UND_ERR_SOCKET', true, 'ambiguous', 'reset'],
    ['UND_ERR_HEADERS_TIMEOUT', true, 'ambiguous', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', true, 'ambiguous', 'timeout'],
    ['EWHATEVER', true, 'ambiguous', 'network'],
  ])('%s (request sent: %s) → %s %s', (code, sent, certainty, errorClass) => {
    const error = classifyTransportError(coded(code), sent, 'POST http://x/v3/email/send');
    expect(error.certainty).toBe(certainty);
    expect(error.errorClass).toBe(errorClass);
    expect(error.message).toContain(code);
  });

  it('finds the code in the cause chain (undici wraps socket errors)', () => {
    const wrapped = Object.assign(new Error('fetch failed', { cause: coded('ECONNREFUSED') }), {
      code: 'UND_ERR',
    });
    expect(classifyTransportError(wrapped, false, 'POST x').errorClass).toBe('connection_refused');
  });
});
