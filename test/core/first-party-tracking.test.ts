import { describe, expect, it } from 'vitest';
import {
  apiTracker,
  isSmtp2goHost,
  relayTracking,
  replyTracker,
} from '../../src/core/first-party-tracking.js';
import { resolveSettings } from '../../src/core/resolve-settings.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';

const base: Settings = {
  ...DEFAULT_SETTINGS,
  smtpHost: 'mail.example.net',
  portalUrl: 'https://portal.example.com',
};

describe('first-party tracking decision (issue 15)', () => {
  it('SMTP2Go relay hosts are *.smtp2go.com and nothing that merely contains the name', () => {
    for (const host of ['mail.smtp2go.com', 'MAIL-EU.SMTP2GO.COM', 'smtp2go.com', 'mail.smtp2go.com.'])
      expect(isSmtp2goHost(host)).toBe(true);
    for (const host of ['smtp2go.com.evil.net', 'notsmtp2go.com', 'mail.example.net', '127.0.0.1'])
      expect(isSmtp2goHost(host)).toBe(false);
  });

  it('relay (default): the portal tracks a relay that is not SMTP2Go, and obeys the opens and clicks switches', () => {
    expect(relayTracking(base)).toEqual({ tracker: 'first_party', opens: true, clicks: true, warning: null });
    expect(relayTracking({ ...base, trackOpens: false })).toMatchObject({
      tracker: 'first_party',
      opens: false,
      clicks: true,
    });
    expect(relayTracking({ ...base, trackingEnabled: false })).toMatchObject({
      tracker: 'none',
      opens: false,
      clicks: false,
    });
    expect(relayTracking({ ...base, trackOpens: false, trackClicks: false }).tracker).toBe('none');
  });

  it('a relay at *.smtp2go.com is left to SMTP2Go under relay, tracked by the portal under always', () => {
    const viaSmtp2go = { ...base, smtpHost: 'mail.smtp2go.com' };
    expect(relayTracking(viaSmtp2go)).toMatchObject({ tracker: 'smtp2go', opens: false, clicks: false });
    expect(relayTracking({ ...viaSmtp2go, firstPartyTracking: 'always' })).toMatchObject({
      tracker: 'first_party',
      opens: true,
      clicks: true,
    });
    // The host decision is injectable: a test relay on 127.0.0.1 can stand for SMTP2Go's.
    expect(relayTracking(base, () => true).tracker).toBe('smtp2go');
  });

  it('off never tracks; a missing portal URL sends untracked with one warning', () => {
    expect(relayTracking({ ...base, firstPartyTracking: 'off' })).toMatchObject({
      tracker: 'none',
      warning: null,
    });
    const noUrl = relayTracking({ ...base, portalUrl: null });
    expect(noUrl).toMatchObject({ tracker: 'none', opens: false, clicks: false });
    expect(noUrl.warning).toMatch(/untracked.*--portal-url/);
  });

  it("API mail is SMTP2Go's; a reply is first_party when any copy was", () => {
    expect(apiTracker(base)).toBe('smtp2go');
    expect(apiTracker({ ...base, trackingEnabled: false })).toBe('none');
    expect(replyTracker(['smtp2go', 'first_party', 'none'])).toBe('first_party');
    expect(replyTracker(['none', 'smtp2go'])).toBe('smtp2go');
    expect(replyTracker([])).toBe('none');
  });

  it('settings: flag, environment and validation of the mode and the days', () => {
    expect(resolveSettings({}).settings).toMatchObject({
      firstPartyTracking: 'relay',
      firstPartyTrackingDays: 180,
      plausibleUrl: null,
    });
    const env = { PORTAL_FIRST_PARTY_TRACKING: 'always', PORTAL_FIRST_PARTY_TRACKING_DAYS: '30' };
    expect(resolveSettings({ env }).settings).toMatchObject({
      firstPartyTracking: 'always',
      firstPartyTrackingDays: 30,
    });
    expect(resolveSettings({ env, flags: { firstPartyTracking: 'OFF' } }).settings.firstPartyTracking).toBe(
      'off',
    );
    expect(() => resolveSettings({ flags: { firstPartyTracking: 'sometimes' } })).toThrow(
      '--first-party-tracking: "sometimes" is not a tracking mode',
    );
    expect(() => resolveSettings({ env: { PORTAL_FIRST_PARTY_TRACKING_DAYS: '0' } })).toThrow(
      'PORTAL_FIRST_PARTY_TRACKING_DAYS: "0" is not a number of days',
    );
    expect(() => resolveSettings({ flags: { plausibleUrl: 'ftp://x' } })).toThrow('--plausible-url');
  });
});
