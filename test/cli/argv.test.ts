import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli.js';

interface Row {
  argv: string[];
  command?: string;
  options?: Record<string, unknown>;
  code: number;
}

// Each command line maps to the typed options its operation receives, or to a usage exit code.
// The onParsed hook stops before anything runs, so no store or network is touched.
const ROWS: Row[] = [
  { argv: ['configure', '--show'], command: 'configure', options: { show: true, flags: {} }, code: 0 },
  {
    argv: ['configure', '--api-key', 'api-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--enable', '--no-track-clicks', '--smtp-port', '587'],
    command: 'configure',
    options: { flags: { apiKey: 'api-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', enabled: true, trackClicks: false, smtpPort: '587' } },
    code: 0,
  },
  { argv: ['configure', '--disable', '--region', 'au'], command: 'configure', options: { flags: { enabled: false, apiUrl: 'https://au-api.smtp2go.com/v3' } }, code: 0 },
  { argv: ['configure', '--rotate-webhook-secret'], command: 'configure', options: { rotateWebhookSecret: true }, code: 0 },
  { argv: ['configure', '--enable', '--disable'], code: 2 },
  { argv: ['configure', '--api-url', 'https://x.example', '--region', 'eu'], code: 2 },
  { argv: ['configure', '--smtp-port'], code: 2 },
  { argv: ['doctor'], command: 'doctor', options: { listenerUrl: 'http://127.0.0.1:8787/healthz', timeoutMs: 5000 }, code: 0 },
  { argv: ['doctor', '--json', '--listener-url', 'http://10.0.0.2:8787/healthz', '--timeout', '900'], command: 'doctor', options: { listenerUrl: 'http://10.0.0.2:8787/healthz', timeoutMs: 900 }, code: 0 },
  { argv: ['doctor', '--timeout', '0'], code: 2 },
  {
    argv: ['webhook', 'register', '--url', 'https://p.example', '--events', 'open,click', '--events', 'bounce', '--dry-run'],
    command: 'webhook register',
    options: { url: 'https://p.example', events: ['open,click', 'bounce'], dryRun: true },
    code: 0,
  },
  { argv: ['webhook', 'register'], command: 'webhook register', options: { dryRun: false }, code: 0 },
  { argv: ['webhook', 'unregister', '-y', '--id', '7'], command: 'webhook unregister', options: { id: '7', yes: true }, code: 0 },
  {
    argv: ['webhook', 'trigger', 'Delivered', '--reply', '3', '--recipient', 'a@example.com', '--to', 'http://127.0.0.1:8787', '--sign', 'bearer', '--format', 'form'],
    command: 'webhook trigger',
    options: { event: 'delivered', target: { kind: 'reply', replyId: 3 }, recipient: 'a@example.com', to: 'http://127.0.0.1:8787', sign: 'bearer', format: 'form' },
    code: 0,
  },
  { argv: ['webhook', 'trigger', 'bounce', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--bounce', 'soft', '--json'], command: 'webhook trigger', options: { event: 'bounce', target: { kind: 'email', emailId: '1u0SwL-B9zBpi9ffUq-JAB2' }, bounce: 'soft', format: 'json' }, code: 0 },
  { argv: ['webhook', 'trigger', 'processed', '--demo'], command: 'webhook trigger', options: { event: 'processed', target: { kind: 'demo' } }, code: 0 },
  { argv: ['webhook', 'trigger', 'opened', '--reply', '1'], command: 'webhook trigger', options: { event: 'open', target: { kind: 'reply', replyId: 1 } }, code: 0 },
  { argv: ['webhook', 'trigger', 'hard-bounced', '--reply', '1'], command: 'webhook trigger', options: { event: 'bounce', target: { kind: 'reply', replyId: 1 }, bounce: 'hard' }, code: 0 },
  { argv: ['webhook', 'trigger', 'deferred', '--reply', '1'], code: 2 },
  { argv: ['webhook', 'trigger', 'open'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--demo'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', 'x'], code: 2 },
  { argv: ['webhook', 'trigger', 'bounce', '--reply', '1', '--bounce', 'medium'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--sign', 'basic'], code: 2 },
  { argv: ['webhook', 'serve'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false }, code: 0 },
  { argv: ['--json', 'webhook', 'serve', '--host', '0.0.0.0', '--port', '0', '--path', '/hooks/smtp2go', '--insecure'], command: 'webhook serve', options: { host: '0.0.0.0', port: 0, path: '/hooks/smtp2go', insecure: true }, code: 0 },
  { argv: ['webhook', 'serve', '--port', '70000'], code: 2 },
  { argv: ['webhook', 'serve', '--port', 'http'], code: 2 },
  { argv: ['webhook', 'serve', '--path', 'events'], code: 2 },
  { argv: ['webhook', 'serve', '--dashboard'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false, dashboard: { host: '127.0.0.1', port: 8788 } }, code: 0 },
  { argv: ['webhook', 'serve', '--port', '0', '--dashboard', '--dashboard-port', '0', '--dashboard-host', '::1'], command: 'webhook serve', options: { host: '127.0.0.1', port: 0, path: '/api/webhooks/smtp2go/events', insecure: false, dashboard: { host: '::1', port: 0 } }, code: 0 },
  { argv: ['webhook', 'serve', '--dashboard-port', '9000'], code: 2 },
  { argv: ['webhook', 'serve', '--port', '9000', '--dashboard', '--dashboard-port', '9000'], code: 2 },
  { argv: ['webhook', 'serve', '--dashboard', '--dashboard-port', '65536'], code: 2 },
  { argv: ['dashboard'], command: 'dashboard', options: { host: '127.0.0.1', port: 8788 }, code: 0 },
  { argv: ['--json', 'dashboard', '--port', '0', '--host', 'localhost'], command: 'dashboard', options: { host: 'localhost', port: 0 }, code: 0 },
  { argv: ['dashboard', '--port', 'web'], code: 2 },
  { argv: ['dashboard', '--host', ' '], code: 2 },
  { argv: ['webhook', 'replay', '--from-store'], command: 'webhook replay', options: { source: { kind: 'store' }, sign: 'hmac', ratePerSecond: null, concurrency: 8, dryRun: false }, code: 0 },
  {
    argv: ['webhook', 'replay', '--file', 'e.ndjson', '--reply', '4', '--type', 'open', 'click', '--type', 'bounce', '--since', '2h', '--until', '2026-09-01', '--recipient', '@example.com', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--to', 'http://127.0.0.1:8787', '--sign', 'bearer', '--secret', 's', '--rate', '50/s', '--concurrency', '2', '--dry-run', '--json'],
    command: 'webhook replay',
    options: { source: { kind: 'file', path: 'e.ndjson' }, replyId: 4, types: ['open', 'click', 'bounce'], since: '2h', until: '2026-09-01', recipient: '@example.com', emailId: '1u0SwL-B9zBpi9ffUq-JAB2', to: 'http://127.0.0.1:8787', sign: 'bearer', secret: 's', ratePerSecond: 50, concurrency: 2, dryRun: true },
    code: 0,
  },
  { argv: ['webhook', 'replay'], code: 2 },
  { argv: ['webhook', 'replay', '--file', 'e.json', '--from-store'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--concurrency', '0'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--to', 'http://127.0.0.1:8787', '--rate', '0'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--rate', '10'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--sign', 'none'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--sign', 'basic'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--reply', 'x'], code: 2 },
  { argv: ['reconcile'], command: 'reconcile', options: { since: '7d', dryRun: false }, code: 0 },
  { argv: ['reconcile', '--since', '48h', '--reply', '12', '--dry-run', '--json'], command: 'reconcile', options: { since: '48h', replyId: 12, dryRun: true }, code: 0 },
  { argv: ['reconcile', '--reply', '0'], code: 2 },
  { argv: ['stats'], command: 'stats', options: { mode: 'summary', since: null, until: null, by: 'none' }, code: 0 },
  { argv: ['stats', '--since', '7d', '--until', '2026-11-30', '--by', 'domain', '--json'], command: 'stats', options: { mode: 'summary', since: '7d', until: '2026-11-30', by: 'domain' }, code: 0 },
  { argv: ['--json', 'stats', '--reply', '42'], command: 'stats', options: { mode: 'reply', replyId: 42 }, code: 0 },
  { argv: ['stats', '--reply=7', '--db', '/tmp/x.db'], command: 'stats', options: { mode: 'reply', replyId: 7 }, code: 0 },
  { argv: ['stats', '--reply', '0'], code: 2 },
  { argv: ['stats', '--reply', 'abc'], code: 2 },
  { argv: ['stats', '--reply', '3', '--by', 'day'], code: 2 },
  { argv: ['stats', '--by', 'week'], code: 2 },
  { argv: ['stats', '--reply'], code: 2 },
  { argv: ['replies'], command: 'replies', options: { since: null, until: null, limit: 20, cursor: null }, code: 0 },
  {
    argv: ['replies', '--recipient', 'Customer@', '--ticket', '1001', '--status', 'bounced', '--transport', 'smtp', '--tracking-id', 'q2T0yJ2Kx4hV9oN3cE1bWm8d', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--message-id', '<q2T0@portal.example.com>', '--since', '7d', '--until', '2026-11-30', '--limit', '1000', '--cursor', 'WyIyMDI2LTExLTI0VDEwOjAwOjAwLjAwMFoiLDEyXQ', '--json'],
    command: 'replies',
    options: { recipient: 'Customer@', ticketId: 1001, status: 'bounced', transport: 'smtp', trackingId: 'q2T0yJ2Kx4hV9oN3cE1bWm8d', emailId: '1u0SwL-B9zBpi9ffUq-JAB2', messageId: '<q2T0@portal.example.com>', since: '7d', until: '2026-11-30', limit: 1000, cursor: { at: '2026-11-24T10:00:00.000Z', id: 12 } },
    code: 0,
  },
  { argv: ['--json', 'replies', '--status', 'ambiguous', '--limit', '1'], command: 'replies', options: { status: 'ambiguous', limit: 1 }, code: 0 },
  { argv: ['replies', '--limit', '0'], code: 2 },
  { argv: ['replies', '--limit', '1001'], code: 2 },
  { argv: ['replies', '--status', 'lost'], code: 2 },
  { argv: ['replies', '--transport', 'api+smtp'], code: 2 },
  { argv: ['replies', '--ticket', 'x'], code: 2 },
  { argv: ['replies', '--cursor', 'WyIyMDI2LTExLTI0VDEwOjAwOjAwLjAwMFoiLDEyXQ-'], code: 2 },
  { argv: ['replies', '--recipient'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--recipient', 'stranger@example.net', '--force'], command: 'webhook trigger', options: { event: 'open', target: { kind: 'reply', replyId: 1 }, recipient: 'stranger@example.net', force: true }, code: 0 },
  { argv: ['completion', 'zsh'], command: 'completion', options: { shell: 'zsh' }, code: 0 },
  { argv: ['completion'], code: 2 },
  { argv: ['completion', 'tcsh'], code: 2 },
  { argv: ['no-such-command'], code: 2 },
  { argv: ['--version'], code: 0 },
  { argv: ['--help'], code: 0 },
];

describe('argv → options and exit codes', () => {
  it.each(ROWS)('$argv', async (row) => {
    const seen: { command: string; options: unknown }[] = [];
    const result = await runCliInProcess(row.argv, {
      env: { CI: '1', SMTP2GO_PORTAL_DB: '/nonexistent/never-opened.db' },
      onParsed: (command, options) => {
        seen.push({ command, options });
        return true;
      },
    });
    expect(result.code).toBe(row.code);
    if (row.command !== undefined) {
      expect(seen).toHaveLength(1);
      expect(seen[0]?.command).toBe(row.command);
      expect(seen[0]?.options).toMatchObject(row.options ?? {});
    } else {
      expect(seen).toHaveLength(0);
    }
  });
});
