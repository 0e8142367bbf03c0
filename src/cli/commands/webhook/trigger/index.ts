import { Option, type Command, Argument } from 'commander';
import { UsageError } from '../../../../core/errors.js';
import { canonicalEventType } from '../../../../core/tracking-event.js';
import { KNOWN_EVENT_TYPES } from '../../../../core/tracking-event.js';
import type { WebhookTriggerOptions, WebhookTriggerResult } from '../../../../operations/webhook-trigger.js';
import type { CliContext, CliIo } from '../../../context.js';
import { parseReplyId } from '../../../flag-values.js';
import { LISTENER_TO, renamedOption, takeRenamedFlags } from '../../../renamed-flags.js';
import { reportResult, runParsed } from '../../../run-command.js';
import { wrap } from '../../../text-width.js';
import { documentOptions, withExamples } from '../../../help.js';
import { webhookCommand } from '../index.js';
import { escapeControlsDeep } from '../../../output.js';

interface TriggerCliOptions {
  reply?: string;
  emailId?: string;
  demo?: boolean;
  recipient?: string;
  force?: boolean;
  url?: string;
  bounce?: 'hard' | 'soft';
  listener?: string;
  format: 'json' | 'form';
  sign?: 'hmac' | 'bearer' | 'none';
  secret?: string;
}

function toTriggerOptions(event: string, o: TriggerCliOptions): WebhookTriggerOptions {
  // Any spelling the listener accepts (`opened`, `hard-bounced`) names the event SMTP2Go would send.
  const alias = canonicalEventType(event);
  const known = KNOWN_EVENT_TYPES.find((name) => name === alias.type);
  if (known === undefined)
    throw new UsageError(`unknown event "${event}"`, `use one of: ${KNOWN_EVENT_TYPES.join(', ')}`);
  const chosen = [
    o.reply !== undefined && '--reply',
    o.emailId !== undefined && '--email-id',
    o.demo === true && '--demo',
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError(
      chosen.length === 0
        ? 'which email? give --reply <id>, --email-id <id> or --demo'
        : `${chosen.join(' and ')} cannot be combined`,
      'e.g. webhook trigger delivered --reply 1',
    );
  }
  if (o.emailId !== undefined && !/^[\w.-]{1,100}$/.test(o.emailId))
    throw new UsageError(`--email-id "${o.emailId}" is not an SMTP2Go email id`);
  const target: WebhookTriggerOptions['target'] =
    o.reply !== undefined
      ? { kind: 'reply', replyId: parseReplyId(o.reply) }
      : o.emailId !== undefined
        ? { kind: 'email', emailId: o.emailId }
        : { kind: 'demo' };
  const optional = {
    recipient: o.recipient,
    force: o.force,
    url: o.url,
    bounce: o.bounce ?? alias.bounce,
    to: o.listener,
    sign: o.sign,
    secret: o.secret,
  };
  return {
    event: known,
    target,
    format: o.format,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

export function registerWebhookTrigger(program: Command, io: CliIo): void {
  const command = webhookCommand(program)
    .command('trigger')
    .description(
      'build a realistic SMTP2Go event for a reply and apply it to the local store, or POST it signed to a listener (--listener)',
    )
    // The choices are listed in help and completed on <TAB>; toTriggerOptions checks the value, so the
    // other spellings the listener accepts (`opened`, `hard-bounced`) still pass commander.
    .addArgument(
      new Argument('<event>', 'the event SMTP2Go would send (its other spellings, such as opened, work too)')
        .choices(KNOWN_EVENT_TYPES)
        .argParser((value) => value),
    )
    .option('--reply <id>', 'the reply the event is about')
    .option('--email-id <id>', 'an SMTP2Go email id instead (the event stays unlinked if no reply has it)')
    .option('--demo', 'create a labelled demo reply (nothing is sent) and trigger the event for it')
    .option('--recipient <addr>', "the event's recipient")
    .option('--force', 'with --recipient: allow an address the reply was not sent to')
    .option('--url <link>', 'the clicked link, for click events')
    .addOption(new Option('--bounce <kind>', 'bounce kind, for bounce events').choices(['hard', 'soft']))
    .option(
      '--listener <url>',
      'POST to this listener instead of applying locally (a bare origin gets the listener path)',
    )
    .addOption(renamedOption(LISTENER_TO))
    .addOption(
      new Option('--format <f>', "body format; the portal's webhook is registered as json")
        .choices(['json', 'form'])
        .default('json'),
    )
    .addOption(
      new Option('--sign <mode>', 'with --listener: hmac (X-Smtp2go-Signature), bearer, or none').choices([
        'hmac',
        'bearer',
        'none',
      ]),
    )
    .option('--secret <s>', 'with --listener: the secret to sign with')
    .action(async (event: string, opts: TriggerCliOptions, command: Command) => {
      await runParsed(
        io,
        command,
        'webhook trigger',
        toTriggerOptions(event, takeRenamedFlags(io, command, opts, [LISTENER_TO])),
        trigger,
      );
    });
  documentOptions(command, {
    '--recipient': { default: "the reply's first" },
    '--url': { default: 'https://example.com/' },
    '--bounce': { default: 'hard' },
    '--sign': { default: 'hmac' },
    '--secret': { default: 'the configured webhook secret', env: 'SMTP2GO_WEBHOOK_SECRET' },
  });
  withExamples(command, [
    'webhook trigger processed --demo',
    'webhook trigger click --reply 1 --url https://example.com/kb',
    'webhook trigger open --demo --listener http://127.0.0.1:8787',
  ]);
}

async function trigger(ctx: CliContext, options: WebhookTriggerOptions): Promise<void> {
  const { runWebhookTrigger, deliveryFailure } = await import('../../../../operations/webhook-trigger.js');
  const store = await ctx.store();
  const settings = await ctx.settings();
  const result = await runWebhookTrigger(options, { store, settings, now: ctx.now });
  reportResult(
    ctx,
    () => triggerDocument(result),
    () => renderTrigger(ctx, result),
    deliveryFailure(result),
  );
}

function triggerDocument(r: WebhookTriggerResult): Record<string, unknown> {
  const d = r.delivery;
  return {
    event: r.event,
    reply_id: r.replyId,
    demo_reply_created: r.demoReplyCreated,
    email_id: r.emailId,
    notification_id: r.notificationId,
    recipient: r.recipient,
    format: r.format,
    content_type: r.contentType,
    body: r.body,
    applied:
      r.applied === null
        ? null
        : {
            stored: r.applied.stored,
            duplicate: r.applied.duplicate,
            reply_id: r.applied.replyId,
            event_id: r.applied.eventId,
          },
    delivery:
      d === null
        ? null
        : {
            url: d.url,
            sign: d.sign,
            ok: d.ok,
            status: d.status,
            ms: d.ms,
            attempts: d.attempts,
            duplicate: d.duplicate,
            response: d.body,
            error: d.error,
          },
  };
}

/** What happened first, then the event's ids on a line of their own, everything wrapped at the terminal's width. */
function renderTrigger(ctx: CliContext, unsafe: WebhookTriggerResult): void {
  // The listener's answer is printed as it came.
  const r = escapeControlsDeep(unsafe);
  const out = ctx.output;
  const say = (text: string, paint: (line: string) => string = (line) => line) =>
    wrap(text, out.width, '  ').forEach((line) => out.line(paint(line)));
  if (r.demoReplyCreated) say(`Created demo reply ${r.replyId} (nothing was sent).`);
  const what = `${r.event}${r.recipient === null ? '' : ` for ${r.recipient}`}`;
  // Ids are never split: on one line when it fits, else one line each.
  const both = `  email id ${r.emailId}, notification ${r.notificationId}`;
  const ids = both.length <= out.width ? both : `  email id ${r.emailId}\n  notification ${r.notificationId}`;
  if (r.applied !== null) {
    const where = r.applied.replyId === null ? 'not linked to any reply yet' : `reply ${r.applied.replyId}`;
    say(`${r.applied.duplicate ? 'Already stored' : 'Stored'} ${what}: ${where}.`);
    out.line(out.color.dim(ids));
    return;
  }
  const d = r.delivery;
  if (d === null) return;
  say(`POST ${what} to ${d.url} (${r.format}, ${d.sign === 'none' ? 'unsigned' : d.sign})`);
  out.line(out.color.dim(ids));
  const tries = d.attempts > 1 ? ` after ${d.attempts} attempts` : '';
  if (d.ok)
    say(
      `HTTP ${d.status ?? '?'} in ${d.ms} ms${tries}${d.duplicate ? ': the listener already had it' : ''}`,
      out.color.green,
    );
  else say(`${d.status === null ? (d.error ?? 'no answer') : `HTTP ${d.status}`}${tries}`, out.color.red);
  if (d.body !== null) say(d.body);
}
