import nodemailer from 'nodemailer';
import { transportOptions, type RelayConfig } from './smtp-relay.js';

/**
 * Connects, negotiates TLS and authenticates without sending anything (nodemailer `verify()`).
 * `requireTls` refuses a server that does not offer STARTTLS, so credentials never travel in clear text.
 */
export async function verifySmtpRelay(config: RelayConfig): Promise<void> {
  const transport = nodemailer.createTransport(transportOptions(config));
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
