import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session was upgraded to TLS (STARTTLS) before DATA. */
  secure: boolean;
  user: string | null;
  raw: string;
  parsed: ParsedMail;
}

export interface FakeRelayOptions {
  auth?: { user: string; pass: string };
  starttls?: boolean;
  rejectRecipients?: string[];
  /** Where to listen (default 127.0.0.1); `0.0.0.0` lets a test reach it through a non-loopback address. */
  listenHost?: string;
}

export interface FakeRelay {
  host: string;
  port: number;
  mails: ReceivedMail[];
  authAttempts: Array<{ user: string; ok: boolean }>;
  close: () => Promise<void>;
}

const tlsFile = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** A real SMTP server (smtp-server) on 127.0.0.1:0 that keeps every message it accepts, parsed back. */
export async function startFakeRelay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
  const mails: ReceivedMail[] = [];
  const authAttempts: FakeRelay['authAttempts'] = [];
  const rejected = new Set((options.rejectRecipients ?? []).map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    secure: false,
    disabledCommands: [...(options.auth ? [] : ['AUTH']), ...(options.starttls ? [] : ['STARTTLS'])],
    ...(options.starttls ? { key: tlsFile('test-key.pem'), cert: tlsFile('test-cert.pem') } : {}),
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      authAttempts.push({ user: auth.username ?? '', ok });
      callback(
        ok ? null : new Error('Invalid username or password'),
        ok ? { user: auth.username } : undefined,
      );
    },
    onRcptTo(address, _session, callback) {
      if (rejected.has(address.address.toLowerCase())) {
        const error = new Error('No such user here') as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
          mails.push({
            from,
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: (session.user as string | undefined) ?? null,
            raw,
            parsed,
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, options.listenHost ?? '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    mails,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
