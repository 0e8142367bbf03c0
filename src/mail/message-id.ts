import { hostname as osHostname } from 'node:os';

/** The Message-ID's host: the portal's public host when known, else this machine's name. */
export function messageIdHost(portalUrl: string | null, hostname: () => string = osHostname): string {
  let host = '';
  if (portalUrl !== null) {
    try {
      host = new URL(portalUrl).hostname;
    } catch {
      host = '';
    }
  }
  if (host === '') host = hostname();
  const clean = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/[^a-z0-9.-]/g, '');
  return clean === '' ? 'localhost' : clean;
}
