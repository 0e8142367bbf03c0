import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { RelayConfig } from './smtp-relay.js';

/**
 * Connects, negotiates TLS and authenticates without sending anything (nodemailer `verify()`).
 * `requireTls` refuses a server that does not offer STARTTLS, so credentials never travel in clear text.
 */
export async function verifySmtpRelay(config: RelayConfig): Promise<void> {
  const options: SMTPTransport.Options = {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls === true,
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    ...(config.user === null ? {} : { auth: { user: config.user, pass: config.password ?? '' } }),
    ...(config.tls === undefined ? {} : { tls: config.tls }),
  };
  const transport = nodemailer.createTransport(options);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
