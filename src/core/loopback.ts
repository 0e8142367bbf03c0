/**
 * Whether a host name or address (as a URL or a setting gives it) is this machine's loopback interface:
 * 127.0.0.0/8, ::1 or `localhost`. Traffic to it never leaves the machine, which is where the tests play
 * SMTP2Go and a relay, so it is the one place plain text is allowed to carry a key or a password.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}
