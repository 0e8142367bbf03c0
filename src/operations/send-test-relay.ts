import type { Settings } from '../core/settings.js';
import type { Mailbox } from '../mail/mailbox.js';
import {
  createSmtpRelay,
  relayErrorClass,
  type MailTransportFactory,
  type RelayConfig,
} from '../mail/smtp-relay.js';
import { TRACKING_HEADER, type SendPlan } from './send-test-plan.js';
import type { SendRecorder } from './send-test-recorder.js';

const MIN_RELAY_TIMEOUT_MS = 5_000;

export interface RelayPhaseDeps {
  createTransport?: MailTransportFactory;
  /** Only tests loosen TLS (their relay has a self-signed certificate). */
  relayTls?: RelayConfig['tls'];
  /** Tests only: decide whether the relay host is loopback (they all run there). */
  relayIsLoopback?: (host: string) => boolean;
}

export interface RelayPhaseResult {
  delivered: string[];
  error: string | null;
}

function relayConfigOf(
  settings: Settings,
  timeoutMs: number,
  tls?: RelayConfig['tls'],
  isLoopback?: (host: string) => boolean,
): RelayConfig {
  return {
    host: settings.smtpHost ?? '',
    port: settings.smtpPort,
    secure: settings.smtpSecure,
    user: settings.smtpUser,
    password: settings.smtpPassword,
    timeoutMs,
    ...(isLoopback === undefined ? {} : { loopback: isLoopback(settings.smtpHost ?? '') }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/**
 * Relays to `recipients` only (the whole list, or just those the API refused): the headers still show
 * the original To and Cc, with the same Message-ID and tracking header as the API send. `html` is one
 * recipient's tracked copy (send-test-tracked-relay.ts), else the author's.
 */
export async function runRelayPhase(
  plan: SendPlan,
  settings: Settings,
  recipients: Mailbox[],
  recorder: SendRecorder,
  deps: RelayPhaseDeps,
  html = plan.html,
): Promise<RelayPhaseResult> {
  const envelopeTo = recipients.map((m) => m.address);
  // A short --timeout is about the API's overall budget; an SMTP dialogue still gets a sane floor.
  const transport = (deps.createTransport ?? createSmtpRelay)(
    relayConfigOf(
      settings,
      Math.max(plan.timeoutMs, MIN_RELAY_TIMEOUT_MS),
      deps.relayTls,
      deps.relayIsLoopback,
    ),
  );
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const result = await transport.send({
      from: plan.relaySender as Mailbox,
      to: plan.recipients.to,
      cc: plan.recipients.cc,
      envelopeTo,
      replyTo: plan.replyTo,
      subject: plan.subject,
      html,
      text: plan.text,
      messageId: plan.messageId,
      headers: { [TRACKING_HEADER]: plan.trackingId },
    });
    const rejected = new Set(result.rejected.map((a) => a.toLowerCase()));
    const delivered = envelopeTo.filter((a) => !rejected.has(a.toLowerCase()));
    const reasons = result.rejected.map((a) => `${a}: ${result.rejectedReasons[a] ?? 'rejected'}`);
    const error =
      reasons.length === 0 ? null : recorder.redact(`smtp_recipients: relay rejected ${reasons.join('; ')}`);
    recorder.attempt('smtp', {
      ok: delivered.length > 0,
      outcome: error === null ? 'sent' : 'partial',
      status: null,
      error,
      error_class: error === null ? null : 'smtp_recipients',
      ms: elapsed(),
    });
    recorder.mark(delivered, 'sent', null, 'smtp');
    for (const address of result.rejected)
      recorder.mark([address], 'failed', `smtp: ${result.rejectedReasons[address] ?? 'rejected'}`, null);
    return { delivered, error };
  } catch (caught) {
    const errorClass = relayErrorClass(caught);
    const error = recorder.redact(
      `${errorClass}: SMTP relay ${settings.smtpHost ?? ''}:${settings.smtpPort}: ${caught instanceof Error ? caught.message : String(caught)}`,
    );
    recorder.attempt('smtp', {
      ok: false,
      outcome: 'failed',
      status: null,
      error,
      error_class: errorClass,
      ms: elapsed(),
    });
    recorder.mark(envelopeTo, 'failed', error, null);
    return { delivered: [], error };
  } finally {
    transport.close();
  }
}
