import type { IncomingMessage } from 'node:http';

export interface LingerLimits {
  /** Longest a refused connection stays open once the answer is written. */
  ms: number;
  /** Most body bytes read and thrown away after the refusal before the connection is cut anyway. */
  bytes: number;
}

/**
 * Closes a connection whose body we refused unread the way nginx's `lingering_close` does.
 *
 * Why: closing a socket whose receive buffer still holds the client's bytes makes the kernel send RST
 * instead of FIN, and a client that writes its whole body before it reads then gets "connection reset"
 * and never sees the 413 already sitting in its own buffer. So the answer goes out, our side is
 * half-closed (the client reads the answer, then EOF), the rest of the body is read and dropped as it
 * arrives (nothing is kept), and the socket is destroyed when the body is over, the client closes, or a
 * limit is hit, whichever is first.
 *
 * The drain starts a tenth of the linger after the answer, not at once: until then the body stays held
 * back, so a client that reads while it writes is blocked on its own buffers, sees the answer and stops
 * (instead of being invited to push up to `bytes` at full speed). Only a client still sending after
 * that, one that writes its whole body before it reads, is drained.
 *
 * How: node:http ends a `Connection: close` response with `socket.destroySoon()`, which destroys the
 * socket as soon as our FIN is out; that is what causes the RST, so it is replaced for this one socket.
 * The body keeps flowing through node's own parser into the request, as it does when a keep-alive handler
 * ignores a body, with a listener that only counts. Call before the response is ended.
 */
export function lingerAfterAnswer(request: IncomingMessage, limits: LingerLimits): void {
  const socket = request.socket;
  const cut = () => socket.destroy();
  let discarded = 0;
  // Paused, and marked as read (read(0)) so node does not dump it, which would start the drain at once.
  request.pause();
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) cut();
  });
  request.read(0);
  // Once the body is over nothing of it is left unread, so a plain close no longer resets.
  request.once('end', () => (socket.writableFinished ? cut() : socket.once('finish', cut)));
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    const timer = setTimeout(cut, limits.ms).unref();
    const drain = setTimeout(() => request.resume(), limits.ms / 10).unref();
    socket.once('close', () => {
      clearTimeout(timer);
      clearTimeout(drain);
    });
    socket.once('end', cut);
    socket.end();
  };
}
