import { describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';

interface Row {
  argv: string[];
  command?: string;
  options?: Record<string, unknown>;
  code: number;
  /** What stderr must say (a deprecated spelling's one-line note); otherwise stderr is checked only for failures. */
  stderr?: RegExp;
}

// The name the stats --reply fast path reports its options under (commander's command is 'stats').
const STATS_FAST = 'stats --reply (fast path)';

// Each command line maps to the whole typed options object its operation receives (toEqual: a field added,
// dropped or defaulted differently fails the row), or to a usage exit code and no options at all.
// The onParsed hook stops before anything runs, so no store or network is touched (the fast path too).
const ROWS: Row[] = [
  { argv: ['configure', '--show'], command: 'configure', options: { flags: {}, show: true, generateWebhookSecret: false, rotateWebhookSecret: false }, code: 0 },
  {
    argv: ['configure', '--api-key', API_KEY, '--enable', '--no-track-clicks', '--smtp-port', '587'],
    command: 'configure',
    options: { flags: { apiKey: API_KEY, enabled: true, trackClicks: false, smtpPort: '587' }, show: false, generateWebhookSecret: false, rotateWebhookSecret: false },
    code: 0,
  },
  {
    argv: ['configure', '--first-party-tracking', 'always', '--first-party-tracking-days', '30', '--plausible-url', 'https://plausible.example.com', '--plausible-domain', 'portal.example.com'],
    command: 'configure',
    options: { flags: { firstPartyTracking: 'always', firstPartyTrackingDays: '30', plausibleUrl: 'https://plausible.example.com', plausibleDomain: 'portal.example.com' }, show: false, generateWebhookSecret: false, rotateWebhookSecret: false },
    code: 0,
  },
  {
    argv: ['configure', '--disable', '--region', 'au'],
    command: 'configure',
    options: { flags: { enabled: false, apiUrl: 'https://au-api.smtp2go.com/v3' }, show: false, generateWebhookSecret: false, rotateWebhookSecret: false },
    code: 0,
  },
  { argv: ['configure', '--rotate-webhook-secret'], command: 'configure', options: { flags: {}, show: false, generateWebhookSecret: false, rotateWebhookSecret: true }, code: 0 },
  { argv: ['configure', '--enable', '--disable'], code: 2 },
  { argv: ['configure', '--api-url', 'https://x.example', '--region', 'eu'], code: 2 },
  { argv: ['configure', '--smtp-port'], code: 2 },
  { argv: ['doctor'], command: 'doctor', options: { listenerUrl: 'http://127.0.0.1:8787/healthz', timeoutMs: 5000 }, code: 0 },
  { argv: ['doctor', '--json', '--listener', 'http://10.0.0.2:8787/healthz', '--timeout', '900'], command: 'doctor', options: { listenerUrl: 'http://10.0.0.2:8787/healthz', timeoutMs: 900 }, code: 0 },
  { argv: ['doctor', '--timeout', '0'], code: 2 },
  // issue 14: one meaning per flag name; the old spellings still work, with a one-line note.
  { argv: ['doctor', '--listener', 'http://10.0.0.2:8787'], command: 'doctor', options: { listenerUrl: 'http://10.0.0.2:8787/healthz', timeoutMs: 5000 }, code: 0 },
  { argv: ['doctor', '--listener', 'https://portal.example/healthz'], command: 'doctor', options: { listenerUrl: 'https://portal.example/healthz', timeoutMs: 5000 }, code: 0 },
  {
    argv: ['doctor', '--listener-url', 'http://10.0.0.2:8787/healthz'], command: 'doctor', options: { listenerUrl: 'http://10.0.0.2:8787/healthz', timeoutMs: 5000 }, code: 0,
    stderr: /^warning: doctor --listener-url is now --listener \(the old name still works for now\)\n$/,
  },
  { argv: ['doctor', '--listener-url', 'http://a:1/healthz', '--listener', 'http://b:2'], code: 2, stderr: /--listener-url is the old name of --listener; give only --listener/ },
  {
    argv: ['webhook', 'register', '--public-url', 'https://p.example'], command: 'webhook register', options: { url: 'https://p.example', dryRun: false }, code: 0,
  },
  {
    argv: ['webhook', 'register', '--url', 'https://p.example'], command: 'webhook register', options: { url: 'https://p.example', dryRun: false }, code: 0,
    stderr: /^warning: webhook register --url is now --public-url \(the old name still works for now\)\n$/,
  },
  { argv: ['webhook', 'unregister', '--public-url', 'https://p.example', '-y'], command: 'webhook unregister', options: { url: 'https://p.example', yes: true }, code: 0 },
  {
    argv: ['webhook', 'unregister', '--url', 'https://p.example', '-y'], command: 'webhook unregister', options: { url: 'https://p.example', yes: true }, code: 0,
    stderr: /^warning: webhook unregister --url is now --public-url/,
  },
  {
    argv: ['webhook', 'trigger', 'open', '--reply', '1', '--listener', 'http://127.0.0.1:8787'], command: 'webhook trigger',
    options: { event: 'open', target: { kind: 'reply', replyId: 1 }, format: 'json', to: 'http://127.0.0.1:8787' }, code: 0,
  },
  {
    argv: ['webhook', 'trigger', 'open', '--reply', '1', '--to', 'http://127.0.0.1:8787'], command: 'webhook trigger',
    options: { event: 'open', target: { kind: 'reply', replyId: 1 }, format: 'json', to: 'http://127.0.0.1:8787' }, code: 0,
    stderr: /^warning: webhook trigger --to is now --listener \(the old name still works for now\)\n$/,
  },
  { argv: ['webhook', 'trigger', 'click', '--reply', '1', '--url', 'https://example.com/help'], command: 'webhook trigger', options: { event: 'click', target: { kind: 'reply', replyId: 1 }, format: 'json', url: 'https://example.com/help' }, code: 0 },
  {
    argv: ['webhook', 'replay', '--from-store', '--listener', 'http://127.0.0.1:8787'], command: 'webhook replay',
    options: { source: { kind: 'store' }, to: 'http://127.0.0.1:8787', sign: 'hmac', ratePerSecond: null, concurrency: 8, dryRun: false }, code: 0,
  },
  {
    argv: ['webhook', 'replay', '--from-store', '--to', 'http://127.0.0.1:8787', '--rate', '5'], command: 'webhook replay',
    options: { source: { kind: 'store' }, to: 'http://127.0.0.1:8787', sign: 'hmac', ratePerSecond: 5, concurrency: 8, dryRun: false }, code: 0,
    stderr: /^warning: webhook replay --to is now --listener/,
  },
  { argv: ['webhook', 'replay', '--from-store', '--to', 'http://a:1', '--listener', 'http://b:2'], code: 2, stderr: /--to is the old name of --listener/ },
  { argv: ['send-test', '--to', 'a@example.com', '--to', 'b@example.com'], command: 'send-test', options: { to: ['a@example.com', 'b@example.com'], cc: [], bcc: [], transport: 'auto', fallback: true }, code: 0 },
  {
    argv: ['webhook', 'register', '--public-url', 'https://p.example', '--events', 'open,click', '--events', 'bounce', '--dry-run'],
    command: 'webhook register',
    options: { url: 'https://p.example', events: ['open,click', 'bounce'], dryRun: true },
    code: 0,
  },
  { argv: ['webhook', 'register'], command: 'webhook register', options: { dryRun: false }, code: 0 },
  { argv: ['webhook', 'unregister', '-y', '--id', '7'], command: 'webhook unregister', options: { id: '7', yes: true }, code: 0 },
  {
    argv: ['webhook', 'trigger', 'Delivered', '--reply', '3', '--recipient', 'a@example.com', '--listener', 'http://127.0.0.1:8787', '--sign', 'bearer', '--format', 'form'],
    command: 'webhook trigger',
    options: { event: 'delivered', target: { kind: 'reply', replyId: 3 }, format: 'form', recipient: 'a@example.com', to: 'http://127.0.0.1:8787', sign: 'bearer' },
    code: 0,
  },
  {
    argv: ['webhook', 'trigger', 'bounce', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--bounce', 'soft', '--json'],
    command: 'webhook trigger',
    options: { event: 'bounce', target: { kind: 'email', emailId: '1u0SwL-B9zBpi9ffUq-JAB2' }, format: 'json', bounce: 'soft' },
    code: 0,
  },
  { argv: ['webhook', 'trigger', 'processed', '--demo'], command: 'webhook trigger', options: { event: 'processed', target: { kind: 'demo' }, format: 'json' }, code: 0 },
  { argv: ['webhook', 'trigger', 'opened', '--reply', '1'], command: 'webhook trigger', options: { event: 'open', target: { kind: 'reply', replyId: 1 }, format: 'json' }, code: 0 },
  {
    argv: ['webhook', 'trigger', 'hard-bounced', '--reply', '1'],
    command: 'webhook trigger',
    options: { event: 'bounce', target: { kind: 'reply', replyId: 1 }, format: 'json', bounce: 'hard' },
    code: 0,
  },
  { argv: ['webhook', 'trigger', 'bounce', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--bounce', 'soft', '--json'], command: 'webhook trigger', options: { event: 'bounce', target: { kind: 'email', emailId: '1u0SwL-B9zBpi9ffUq-JAB2' }, bounce: 'soft', format: 'json' }, code: 0 },
  { argv: ['webhook', 'trigger', 'processed', '--demo'], command: 'webhook trigger', options: { event: 'processed', target: { kind: 'demo' }, format: 'json' }, code: 0 },
  { argv: ['webhook', 'trigger', 'opened', '--reply', '1'], command: 'webhook trigger', options: { event: 'open', target: { kind: 'reply', replyId: 1 }, format: 'json' }, code: 0 },
  { argv: ['webhook', 'trigger', 'hard-bounced', '--reply', '1'], command: 'webhook trigger', options: { event: 'bounce', target: { kind: 'reply', replyId: 1 }, format: 'json', bounce: 'hard' }, code: 0 },
  { argv: ['webhook', 'trigger', 'deferred', '--reply', '1'], code: 2 },
  { argv: ['webhook', 'trigger', 'open'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--demo'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', 'x'], code: 2 },
  { argv: ['webhook', 'trigger', 'bounce', '--reply', '1', '--bounce', 'medium'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--sign', 'basic'], code: 2 },
  { argv: ['webhook', 'serve'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false, retentionMs: null }, code: 0 },
  {
    argv: ['--json', 'webhook', 'serve', '--host', '0.0.0.0', '--port', '0', '--path', '/hooks/smtp2go', '--insecure'],
    command: 'webhook serve',
    options: { host: '0.0.0.0', port: 0, path: '/hooks/smtp2go', insecure: true, retentionMs: null },
    code: 0,
  },
  { argv: ['webhook', 'serve', '--retention', '400d'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false, retentionMs: 400 * 86_400_000 }, code: 0 },
  { argv: ['webhook', 'serve', '--retention', '48h'], code: 2 },
  { argv: ['webhook', 'serve', '--trust-proxy'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false, retentionMs: null, trustProxy: true }, code: 0 },
  { argv: ['webhook', 'serve', '--port', '70000'], code: 2 },
  { argv: ['webhook', 'serve', '--port', 'http'], code: 2 },
  { argv: ['webhook', 'serve', '--path', 'events'], code: 2 },
  { argv: ['webhook', 'serve', '--dashboard'], command: 'webhook serve', options: { host: '127.0.0.1', port: 8787, path: '/api/webhooks/smtp2go/events', insecure: false, retentionMs: null, dashboard: { host: '127.0.0.1', port: 8788 } }, code: 0 },
  { argv: ['webhook', 'serve', '--port', '0', '--dashboard', '--dashboard-port', '0', '--dashboard-host', '::1'], command: 'webhook serve', options: { host: '127.0.0.1', port: 0, path: '/api/webhooks/smtp2go/events', insecure: false, retentionMs: null, dashboard: { host: '::1', port: 0 } }, code: 0 },
  { argv: ['webhook', 'serve', '--dashboard-port', '9000'], code: 2 },
  { argv: ['webhook', 'serve', '--port', '9000', '--dashboard', '--dashboard-port', '9000'], code: 2 },
  { argv: ['webhook', 'serve', '--dashboard', '--dashboard-port', '65536'], code: 2 },
  { argv: ['dashboard'], command: 'dashboard', options: { host: '127.0.0.1', port: 8788 }, code: 0 },
  { argv: ['--json', 'dashboard', '--port', '0', '--host', 'localhost'], command: 'dashboard', options: { host: 'localhost', port: 0 }, code: 0 },
  { argv: ['dashboard', '--port', 'web'], code: 2 },
  { argv: ['dashboard', '--host', ' '], code: 2 },
  { argv: ['webhook', 'replay', '--from-store'], command: 'webhook replay', options: { source: { kind: 'store' }, sign: 'hmac', ratePerSecond: null, concurrency: 8, dryRun: false }, code: 0 },
  {
    argv: ['webhook', 'replay', '--file', 'e.ndjson', '--reply', '4', '--type', 'open', 'click', '--type', 'bounce', '--since', '2h', '--until', '2026-09-01', '--recipient', '@example.com', '--email-id', '1u0SwL-B9zBpi9ffUq-JAB2', '--listener', 'http://127.0.0.1:8787', '--sign', 'bearer', '--secret', 's', '--rate', '50/s', '--concurrency', '2', '--dry-run', '--json'],
    command: 'webhook replay',
    options: { source: { kind: 'file', path: 'e.ndjson' }, replyId: 4, types: ['open', 'click', 'bounce'], since: '2h', until: '2026-09-01', recipient: '@example.com', emailId: '1u0SwL-B9zBpi9ffUq-JAB2', to: 'http://127.0.0.1:8787', secret: 's', sign: 'bearer', ratePerSecond: 50, concurrency: 2, dryRun: true },
    code: 0,
  },
  { argv: ['webhook', 'replay'], code: 2 },
  { argv: ['webhook', 'replay', '--file', 'e.json', '--from-store'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--concurrency', '0'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--listener', 'http://127.0.0.1:8787', '--rate', '0'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--rate', '10'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--sign', 'none'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--sign', 'basic'], code: 2 },
  { argv: ['webhook', 'replay', '--from-store', '--reply', 'x'], code: 2 },
  { argv: ['reconcile'], command: 'reconcile', options: { since: '7d', dryRun: false }, code: 0 },
  { argv: ['reconcile', '--since', '48h', '--reply', '12', '--dry-run', '--json'], command: 'reconcile', options: { since: '48h', replyId: 12, dryRun: true }, code: 0 },
  { argv: ['reconcile', '--reply', '0'], code: 2 },
  { argv: ['stats'], command: 'stats', options: { mode: 'summary', since: null, until: null, by: 'none' }, code: 0 },
  { argv: ['stats', '--since', '7d', '--until', '2026-11-30', '--by', 'domain', '--json'], command: 'stats', options: { mode: 'summary', since: '7d', until: '2026-11-30', by: 'domain' }, code: 0 },
  // `stats --reply <id>` is answered before commander loads (the fast path): these rows see what it parsed.
  { argv: ['stats', '--reply', '5'], command: STATS_FAST, options: { replyId: 5, db: undefined, json: false }, code: 0 },
  { argv: ['--json', 'stats', '--reply', '42'], command: STATS_FAST, options: { replyId: 42, db: undefined, json: true }, code: 0 },
  { argv: ['stats', '--reply=7', '--db', '/tmp/x.db'], command: STATS_FAST, options: { replyId: 7, db: '/tmp/x.db', json: false }, code: 0 },
  // Spellings the fast path leaves to commander, which reads them as the same command.
  { argv: ['stats', '--reply', '007'], command: 'stats', options: { mode: 'reply', replyId: 7 }, code: 0 },
  { argv: ['stats', '--reply', '3', '--reply', '4'], command: 'stats', options: { mode: 'reply', replyId: 4 }, code: 0 },
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
  { argv: ['--json', 'replies', '--status', 'ambiguous', '--limit', '1'], command: 'replies', options: { status: 'ambiguous', limit: 1, since: null, until: null, cursor: null }, code: 0 },
  { argv: ['replies', '--limit', '0'], code: 2 },
  { argv: ['replies', '--limit', '1001'], code: 2 },
  { argv: ['replies', '--status', 'lost'], code: 2 },
  { argv: ['replies', '--transport', 'api+smtp'], code: 2 },
  { argv: ['replies', '--ticket', 'x'], code: 2 },
  { argv: ['replies', '--cursor', 'WyIyMDI2LTExLTI0VDEwOjAwOjAwLjAwMFoiLDEyXQ-'], code: 2 },
  { argv: ['replies', '--recipient'], code: 2 },
  { argv: ['webhook', 'trigger', 'open', '--reply', '1', '--recipient', 'stranger@example.net', '--force'], command: 'webhook trigger', options: { event: 'open', target: { kind: 'reply', replyId: 1 }, recipient: 'stranger@example.net', force: true, format: 'json' }, code: 0 },
  { argv: ['backup', '/backups/portal.db'], command: 'backup', options: { file: '/backups/portal.db', force: false }, code: 0 },
  { argv: ['--json', 'backup', 'copy.db', '--force'], command: 'backup', options: { file: 'copy.db', force: true }, code: 0 },
  { argv: ['backup'], code: 2 },
  { argv: ['prune', '--older-than', '400d'], command: 'prune', options: { olderThanMs: 400 * 86_400_000, dryRun: false }, code: 0 },
  { argv: ['prune', '--older-than', '72h', '--dry-run', '--json'], command: 'prune', options: { olderThanMs: 72 * 3_600_000, dryRun: true }, code: 0 },
  { argv: ['prune'], code: 2 },
  { argv: ['prune', '--older-than', '2d'], code: 2 },
  { argv: ['prune', '--older-than', '71h'], code: 2 },
  { argv: ['prune', '--older-than', 'forever'], code: 2 },
  { argv: ['completion', 'zsh'], command: 'completion', options: { shell: 'zsh' }, code: 0 },
  { argv: ['completion'], code: 2 },
  { argv: ['completion', 'tcsh'], code: 2 },
  { argv: ['no-such-command'], code: 2 },
  { argv: ['--version'], code: 0 },
  { argv: ['--help'], code: 0 },
  { argv: ['webhook', '--help'], code: 0 },
  { argv: ['help', 'stats'], code: 0 },
  // Round two #21: no command (or a group without its subcommand) is a usage error; help only, exit 2.
  { argv: [], code: 2 },
  { argv: ['webhook'], code: 2 },
  { argv: ['--json'], code: 2 },
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
    if (row.stderr !== undefined) expect(result.stderr).toMatch(row.stderr);
    else if (row.code === 0) expect(result.stderr).toBe('');
    if (row.command !== undefined) {
      expect(seen).toHaveLength(1);
      expect(seen[0]?.command).toBe(row.command);
      expect(seen[0]?.options).toEqual(row.options ?? {});
    } else {
      expect(seen).toHaveLength(0);
    }
  });
});
