import nodemailer from 'nodemailer';
import { transportOptions, type RelayConfig } from './smtp-relay.js';

/**
 * Connects, negotiates TLS and authenticates without sending anything (nodemailer `verify()`).
 * Under the same TLS rule as a send (relayTlsRule), so doctor passes exactly the relays a send can use.
 */
export async function verifySmtpRelay(config: RelayConfig): Promise<void> {
  const transport = nodemailer.createTransport(transportOptions(config));
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
