import { describe, expect, it } from 'vitest';
import { classifyBurst, classifyHit } from '../../src/core/classify-hit.js';

// User agents as recorded in the wild (tracking notes; public test suites of tracking code).
const UA = {
  gmailProxy: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  yahooProxy:
    'Mozilla/5.0 (compatible; YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html)',
  appleMpp: 'Mozilla/5.0',
  thunderbird: 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0',
  outlook: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)',
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  iosMail:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  bingPreview:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/79.0.3945.74 Safari/537.36 Edg/79.0.309.43 BingPreview/1.0b',
  checkmark: 'CheckMarkNetwork/1.0 (+http://www.checkmarknetwork.com/spider.html)',
  python: 'python-requests/2.31.0',
  curl: 'curl/8.4.0',
  goClient: 'Go-http-client/1.1',
};

describe('classifying first-party hits (issue 15)', () => {
  it('people: mail clients and browsers', () => {
    for (const ua of [UA.thunderbird, UA.outlook, UA.chrome, UA.iosMail]) {
      expect(classifyHit({ method: 'GET', userAgent: ua, kind: 'open' })).toBe('human');
      expect(classifyHit({ method: 'GET', userAgent: ua, kind: 'click' })).toBe('human');
    }
  });

  it('image proxies open for a person; Apple MPP prefetches; neither clicks', () => {
    expect(classifyHit({ method: 'GET', userAgent: UA.gmailProxy, kind: 'open' })).toBe('image_proxy');
    expect(classifyHit({ method: 'GET', userAgent: UA.yahooProxy, kind: 'open' })).toBe('image_proxy');
    expect(classifyHit({ method: 'GET', userAgent: UA.appleMpp, kind: 'open' })).toBe('apple_proxy');
    expect(classifyHit({ method: 'GET', userAgent: UA.gmailProxy, kind: 'click' })).toBe('scanner');
    expect(classifyHit({ method: 'GET', userAgent: UA.appleMpp, kind: 'click' })).toBe('scanner');
  });

  it('scanners: HEAD, no user agent, prefetchers, spiders and HTTP libraries', () => {
    expect(classifyHit({ method: 'HEAD', userAgent: UA.chrome, kind: 'click' })).toBe('scanner');
    expect(classifyHit({ method: 'GET', userAgent: null, kind: 'open' })).toBe('scanner');
    expect(classifyHit({ method: 'GET', userAgent: '  ', kind: 'click' })).toBe('scanner');
    for (const ua of [UA.bingPreview, UA.checkmark, UA.python, UA.curl, UA.goClient])
      expect(classifyHit({ method: 'GET', userAgent: ua, kind: 'click' })).toBe('scanner');
  });

  it('a burst: two or more different links of one copy, each within 2 s of the last', () => {
    expect(
      classifyBurst([
        { token: 'a', at: 0 },
        { token: 'b', at: 1500 },
        { token: 'c', at: 3400 },
      ]),
    ).toEqual([true, true, true]);
    // The same link twice (a double click) is one person; a second link 10 s later is reading, then clicking.
    expect(
      classifyBurst([
        { token: 'a', at: 0 },
        { token: 'a', at: 300 },
      ]),
    ).toEqual([false, false]);
    expect(
      classifyBurst([
        { token: 'a', at: 0 },
        { token: 'b', at: 10_000 },
      ]),
    ).toEqual([false, false]);
    expect(
      classifyBurst([
        { token: 'a', at: 0 },
        { token: 'b', at: 10_000 },
        { token: 'c', at: 10_500 },
      ]),
    ).toEqual([false, true, true]);
  });
});
