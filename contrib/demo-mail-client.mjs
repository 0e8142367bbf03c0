#!/usr/bin/env node
// The recipient's side of the README's Quick start, on one machine: a plain SMTP server on 127.0.0.1 that
// takes every message and, before it answers the message's DATA, opens it the way a desktop mail client
// with images on would: it fetches the message's tracking pixel with Thunderbird's user agent. So
// `send-test --transport smtp` returns only once the open has reached `webhook serve`.
//
//   node contrib/demo-mail-client.mjs [--port 2525]
//
// A demo, not a mail server: no TLS, no authentication, nothing stored. Only pixels on this machine
// (127.0.0.1, localhost, [::1]) are fetched, so nothing leaves it. Stop it with Ctrl+C or SIGTERM.
import { createServer } from 'node:net';

const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const portAt = process.argv.indexOf('--port');
const port = portAt === -1 ? 2525 : Number(process.argv[portAt + 1]);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('demo-mail-client: --port takes a port number from 1 to 65535');
  process.exit(2);
}

/** The message's parts decoded (quoted-printable and base64), so a URL is found whichever encoding carried it. */
function decodedParts(raw) {
  return raw.split(/\r?\n--[^\r\n]*\r?\n/).map((part) => {
    const split = part.search(/\r?\n\r?\n/);
    const headers = split === -1 ? '' : part.slice(0, split);
    const body = split === -1 ? part : part.slice(split).trim();
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (encoding === 'quoted-printable')
      return body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    return body;
  });
}

async function open(raw, recipients) {
  const pixels = decodedParts(raw).flatMap((text) =>
    [...text.matchAll(/https?:\/\/[^\s"'<>]+\/t\/o\/[A-Za-z0-9_-]{24}\.gif/g)].map((m) => m[0]),
  );
  const pixel = pixels.find((url) => LOCAL_HOSTS.has(new URL(url).host.replace(/:\d+$/, '')));
  const to = recipients.join(', ');
  if (pixel === undefined)
    return console.log(
      `Received a message for ${to}: no tracking pixel on this machine in it, nothing opened.`,
    );
  try {
    const answer = await fetch(pixel, { headers: { 'user-agent': THUNDERBIRD } });
    await answer.arrayBuffer();
    console.log(`Received a message for ${to} and opened it: its pixel answered ${answer.status}.`);
  } catch (error) {
    console.log(
      `Received a message for ${to}; its pixel could not be fetched: ${error.cause?.message ?? error.message}`,
    );
  }
}

function session(socket) {
  let buffer = '';
  let data = null;
  let recipients = [];
  const reply = (line) => socket.write(`${line}\r\n`);
  reply('220 demo-mail-client ESMTP');
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('data', async (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (data !== null) {
        if (line !== '.') {
          data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const raw = data.join('\r\n');
        data = null;
        socket.pause();
        await open(raw, recipients);
        socket.resume();
        reply('250 2.0.0 accepted');
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') reply('250-demo-mail-client\r\n250-8BITMIME\r\n250 SMTPUTF8');
      else if (verb === 'HELO' || verb === 'NOOP') reply('250 OK');
      else if (verb === 'MAIL' || verb === 'RSET') {
        recipients = [];
        reply('250 OK');
      } else if (verb === 'RCPT') {
        recipients.push(/<([^>]*)>/.exec(line)?.[1] ?? '?');
        reply('250 OK');
      } else if (verb === 'DATA') {
        data = [];
        reply('354 end with <CRLF>.<CRLF>');
      } else if (verb === 'QUIT') {
        reply('221 bye');
        socket.end();
      } else reply('502 5.5.2 not implemented');
    }
  });
}

const server = createServer(session);
server.on('error', (error) => {
  console.error(`demo-mail-client: cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () =>
  console.log(`Listening on smtp://127.0.0.1:${port} (a demo recipient: it opens every message it receives)`),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close(() => process.exit(0)));
