import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import { newTrackingId, planSendTest } from '../../src/operations/send-test-plan.js';
import { API_KEY } from '../helpers/constants.js';

const now = new Date('2026-11-24T10:00:00.000Z');
const settings: Settings = {
  ...DEFAULT_SETTINGS,
  enabled: true,
  apiKey: API_KEY,
  sender: 'help@example.com',
  smtpHost: 'relay.example.com',
};

describe('newTrackingId', () => {
  it('is 24 URL-safe characters and different every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTrackingId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});

describe('planSendTest', () => {
  it('builds the Message-ID from the tracking id and defaults naming it', () => {
    const plan = planSendTest(
      { to: ['a@example.com'] },
      { ...settings, portalUrl: 'https://desk.example.org' },
      { now, newTrackingId: () => 'T0K3N_abc-123' },
    );
    expect(plan.messageId).toBe('<T0K3N_abc-123@desk.example.org>');
    expect(plan.subject).toContain('T0K3N_abc-123');
    expect(plan.text).toContain('T0K3N_abc-123');
    expect(plan.text).toContain(now.toISOString());
    expect(plan.html).toContain('T0K3N_abc-123');
    expect(plan).toMatchObject({
      useApi: true,
      relay: 'fallback',
      timeoutMs: 20_000,
      fallbackOnTimeout: false,
    });
  });

  it('keeps only the body that was given', () => {
    expect(planSendTest({ to: ['a@example.com'], text: 'plain' }, settings, { now })).toMatchObject({
      text: 'plain',
      html: '',
    });
    expect(planSendTest({ to: ['a@example.com'], html: '<b>x</b>' }, settings, { now })).toMatchObject({
      text: '',
      html: '<b>x</b>',
    });
  });

  it.each([
    [{ transport: 'auto' as const }, {}, { useApi: true, relay: 'fallback' }],
    [{ transport: 'auto' as const, fallback: false }, {}, { useApi: true, relay: 'none' }],
    [{ transport: 'auto' as const }, { smtpHost: null }, { useApi: true, relay: 'none' }],
    [{ transport: 'api' as const }, {}, { useApi: true, relay: 'none' }],
    [{ transport: 'smtp' as const }, {}, { useApi: false, relay: 'primary' }],
    [
      {},
      { apiKey: null },
      { useApi: false, relay: 'primary', primaryRelayReason: 'no API key is configured' },
    ],
    [
      {},
      { enabled: false },
      { useApi: false, relay: 'primary', primaryRelayReason: 'the SMTP2Go module is disabled' },
    ],
    [
      {},
      { sender: null, smtpFrom: 'relay@example.com' },
      { useApi: false, relay: 'primary', primaryRelayReason: 'no sender is configured for the API' },
    ],
    [{ from: 'me@example.com' }, { sender: null }, { useApi: true, relay: 'fallback' }],
  ])('route %j with %j', (options, overrides, expected) => {
    expect(
      planSendTest({ to: ['a@example.com'], ...options }, { ...settings, ...overrides }, { now }),
    ).toMatchObject(expected);
  });

  it.each([
    [{ transport: 'smtp' as const }, { smtpHost: null }, /needs an SMTP relay host/],
    [{ transport: 'api' as const }, { apiKey: null }, /no API key/],
    [{ fallback: false }, { apiKey: null }, /--no-fallback/],
    [{}, { sender: null, smtpHost: null }, /no sender address/],
    [{ fallback: false }, { sender: null }, /no sender address/],
    [{ transport: 'api' as const }, { sender: null, smtpFrom: 'relay@example.com' }, /no sender address/],
    [{ transport: 'smtp' as const }, { sender: null, smtpFrom: null }, /no From address/],
  ])('configuration problem %j %j is exit 2', (options, overrides, message) => {
    const run = () =>
      planSendTest({ to: ['a@example.com'], ...options }, { ...settings, ...overrides }, { now });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('usage problems are exit 2', () => {
    expect(() => planSendTest({ to: [] }, settings, { now })).toThrow(UsageError);
    expect(() =>
      planSendTest({ to: ['a@example.com'], from: 'x@example.com, y@example.com' }, settings, { now }),
    ).toThrow(/--from takes exactly one/);
    expect(() => planSendTest({ to: ['a@example.com'], replyTo: 'nope' }, settings, { now })).toThrow(
      /--reply-to/,
    );
    expect(() => planSendTest({ to: ['a@example.com'], timeoutMs: 0 }, settings, { now })).toThrow(
      /--timeout/,
    );
    const many = Array.from({ length: 101 }, (_, i) => `user${i}@example.com`);
    expect(() => planSendTest({ to: ['a@example.com'], bcc: many }, settings, { now })).toThrow(
      /--bcc: 101 addresses/,
    );
    expect(planSendTest({ to: many.slice(1) }, settings, { now }).all).toHaveLength(100);
  });
});
