import type { Dispatcher } from 'undici';
import type { Settings } from '../core/settings.js';
import { formatMailbox, type Mailbox } from '../mail/mailbox.js';
import { failedAddresses, sendEmailViaApi, type ApiMessage } from '../smtp2go/send-email.js';
import type { RetryClock, RetryPolicy } from '../smtp2go/retry.js';
import { TRACKING_HEADER, type SendPlan } from './send-test-plan.js';
import type { SendRecorder } from './send-test-recorder.js';

export interface ApiPhaseDeps {
  dispatcher?: Dispatcher;
  clock?: Partial<RetryClock>;
  retryPolicy?: Partial<RetryPolicy>;
  /** Called with the email id as soon as SMTP2Go accepts, before any fallback. */
  onEmailId: (emailId: string) => void;
}

export interface ApiPhaseResult {
  emailId: string | null;
  /** Recipients SMTP2Go certainly did not accept (candidates for the relay). */
  refused: Mailbox[];
  /** True when SMTP2Go may have accepted the mail: nothing may be resent blindly. */
  ambiguous: boolean;
  /** Failures SMTP2Go reported without naming the recipient (a partial success we cannot split). */
  unattributed: number;
  /** `class: message`, secret-free, for fallback_reason and last_error. */
  error: string | null;
}

function apiMessageOf(plan: SendPlan, sender: Mailbox): ApiMessage {
  const customHeaders = [
    { header: 'Message-ID', value: plan.messageId },
    { header: TRACKING_HEADER, value: plan.trackingId },
    ...(plan.replyTo === null ? [] : [{ header: 'Reply-To', value: formatMailbox(plan.replyTo) }]),
  ];
  return {
    sender: formatMailbox(sender),
    to: plan.recipients.to.map(formatMailbox),
    cc: plan.recipients.cc.map(formatMailbox),
    bcc: plan.recipients.bcc.map(formatMailbox),
    subject: plan.subject,
    htmlBody: plan.html,
    textBody: plan.text,
    customHeaders,
  };
}

/** Sends through SMTP2Go's API and sorts every recipient into accepted, refused or unknown. */
export async function runApiPhase(
  plan: SendPlan,
  settings: Settings,
  recorder: SendRecorder,
  deps: ApiPhaseDeps,
): Promise<ApiPhaseResult> {
  const everyone = plan.all.map((m) => m.address);
  const result = await sendEmailViaApi(apiMessageOf(plan, plan.apiSender as Mailbox), {
    apiUrl: settings.apiUrl,
    apiKey: settings.apiKey ?? '',
    timeoutMs: plan.timeoutMs,
    ...(deps.dispatcher === undefined ? {} : { dispatcher: deps.dispatcher }),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    ...(deps.retryPolicy === undefined ? {} : { policy: deps.retryPolicy }),
    onAttempt: (a) =>
      recorder.attempt('api', {
        ok: a.ok,
        outcome: a.outcome,
        status: a.status,
        error: a.error,
        error_class: a.errorClass,
        ms: a.ms,
        emailId: a.emailId,
      }),
  });
  if (result.kind === 'accepted') {
    deps.onEmailId(result.emailId);
    recorder.mark(everyone, 'sent', null, 'api');
    return { emailId: result.emailId, refused: [], ambiguous: false, unattributed: 0, error: null };
  }
  if (result.kind === 'partial') {
    deps.onEmailId(result.emailId);
    const failed = new Set(failedAddresses(result.failures, everyone).map((a) => a.toLowerCase()));
    const refused = plan.all.filter((m) => failed.has(m.address.toLowerCase()));
    const error = recorder.redact(
      `partial: SMTP2Go accepted ${result.succeeded} and refused ${result.failed}: ${result.failures.join(' | ')}`,
    );
    recorder.mark(
      everyone.filter((a) => !failed.has(a.toLowerCase())),
      'sent',
      null,
      'api',
    );
    recorder.mark(
      refused.map((m) => m.address),
      'failed',
      error,
      null,
    );
    return {
      emailId: result.emailId,
      refused,
      ambiguous: false,
      unattributed: Math.max(0, result.failed - refused.length),
      error,
    };
  }
  if (result.kind === 'refused' || (result.kind === 'unreachable' && result.certainty === 'certain')) {
    const error = recorder.redact(`${result.error.errorClass}: ${result.error.message}`);
    recorder.mark(everyone, 'failed', error, null);
    return { emailId: null, refused: plan.all, ambiguous: false, unattributed: 0, error };
  }
  const message =
    result.kind === 'ambiguous'
      ? `${result.errorClass}: ${result.message}`
      : `${result.error.errorClass}: ${result.error.message}`;
  const error = recorder.redact(`ambiguous: ${message}`);
  recorder.mark(everyone, 'ambiguous', error, null);
  return { emailId: null, refused: [], ambiguous: true, unattributed: 0, error };
}
