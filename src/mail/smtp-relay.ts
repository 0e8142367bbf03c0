import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { isLoopbackHost } from '../core/loopback.js';
import { formatMailbox, type Mailbox } from './mailbox.js';

export interface RelayConfig {
  host: string;
  port: number;
  /** Implicit TLS (465, 8465, 443). Otherwise STARTTLS is used whenever the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
  timeoutMs: number;
  /** Whether `host` is this machine's loopback interface; decided from the host itself unless given (tests). */
  loopback?: boolean;
  /** Only tests turn certificate checks off (their server has a self-signed certificate). */
  tls?: { rejectUnauthorized?: boolean };
}

export interface RelayTlsRule {
  /** What nodemailer is told: implicit TLS, STARTTLS or nothing, or STARTTLS whenever the relay offers it. */
  mode: 'implicit' | 'starttls-required' | 'starttls-if-offered';
  /** The rule and why it applies, as doctor reports it. */
  description: string;
}

/**
 * The one TLS rule of the relay, for sending (send-test's fallback) and for doctor's check alike:
 * credentials travel only over TLS (implicit, or STARTTLS required) unless the relay is on the loopback
 * interface; a relay without credentials may be plain. STARTTLS is used whenever a relay offers it.
 */
export function relayTlsRule(
  config: Pick<RelayConfig, 'host' | 'secure' | 'user' | 'loopback'>,
): RelayTlsRule {
  if (config.secure) return { mode: 'implicit', description: 'implicit TLS' };
  if (config.user === null)
    return {
      mode: 'starttls-if-offered',
      description: 'no credentials, so plain SMTP is allowed; STARTTLS if offered',
    };
  if (config.loopback ?? isLoopbackHost(config.host))
    return {
      mode: 'starttls-if-offered',
      description: 'loopback, so credentials may go without TLS; STARTTLS if offered',
    };
  return { mode: 'starttls-required', description: 'STARTTLS required: credentials only over TLS' };
}

export interface RelayMessage {
  from: Mailbox;
  /** What the headers show: only To and Cc, never Bcc. */
  to: Mailbox[];
  cc: Mailbox[];
  /** Who actually gets a copy (SMTP RCPT TO): may be a subset (a partial-success fallback) and include Bcc. */
  envelopeTo: string[];
  replyTo: Mailbox | null;
  subject: string;
  html: string;
  text: string;
  /** `<id@host>`, the same Message-ID the API send used. */
  messageId: string;
  headers: Record<string, string>;
}

export interface RelayResult {
  accepted: string[];
  rejected: string[];
  /** Server reply per rejected recipient. */
  rejectedReasons: Record<string, string>;
  response: string;
}

export interface MailTransport {
  send(message: RelayMessage): Promise<RelayResult>;
  close(): void;
}

export type MailTransportFactory = (config: RelayConfig) => MailTransport;

/** nodemailer options for the relay; `verifySmtpRelay` (doctor) connects exactly as a send would. */
export function transportOptions(config: RelayConfig): SMTPTransport.Options {
  return {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: relayTlsRule(config).mode === 'starttls-required',
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    ...(config.user === null ? {} : { auth: { user: config.user, pass: config.password ?? '' } }),
    ...(config.tls === undefined ? {} : { tls: config.tls }),
  };
}

/** An SMTP relay transport over nodemailer; one connection per send-test, closed afterwards. */
export const createSmtpRelay: MailTransportFactory = (config) => {
  const transport = nodemailer.createTransport(transportOptions(config));
  return {
    async send(message) {
      const info = await transport.sendMail({
        from: formatMailbox(message.from),
        to: message.to.map(formatMailbox),
        cc: message.cc.map(formatMailbox),
        ...(message.replyTo === null ? {} : { replyTo: formatMailbox(message.replyTo) }),
        subject: message.subject,
        ...(message.html !== '' ? { html: message.html } : {}),
        ...(message.text !== '' ? { text: message.text } : {}),
        messageId: message.messageId,
        headers: message.headers,
        // An explicit envelope: every recipient gets a copy, but only To and Cc appear in the headers.
        envelope: { from: message.from.address, to: message.envelopeTo },
      });
      return {
        accepted: info.accepted.map(addressOf),
        rejected: info.rejected.map(addressOf),
        rejectedReasons: reasonsOf((info as { rejectedErrors?: unknown }).rejectedErrors),
        response: info.response,
      };
    },
    close: () => transport.close(),
  };
};

function addressOf(value: string | { address: string }): string {
  return typeof value === 'string' ? value : value.address;
}

function reasonsOf(errors: unknown): Record<string, string> {
  const reasons: Record<string, string> = {};
  if (!Array.isArray(errors)) return reasons;
  for (const error of errors as Array<{ recipient?: string; response?: string; message?: string }>) {
    if (typeof error.recipient === 'string')
      reasons[error.recipient] = error.response ?? error.message ?? 'rejected';
  }
  return reasons;
}

/** A stable class for an SMTP failure, from nodemailer's error codes. */
export function relayErrorClass(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const map: Record<string, string> = {
    ECONNECTION: 'smtp_connection',
    ETIMEDOUT: 'smtp_timeout',
    ESOCKET: 'smtp_connection',
    EDNS: 'smtp_dns',
    ETLS: 'smtp_tls',
    EAUTH: 'smtp_auth',
    ENOAUTH: 'smtp_auth',
    EENVELOPE: 'smtp_recipients',
    EMESSAGE: 'smtp_message',
    EPROTOCOL: 'smtp_protocol',
    ECONNREFUSED: 'smtp_connection',
  };
  return typeof code === 'string' ? (map[code] ?? 'smtp_error') : 'smtp_error';
}
