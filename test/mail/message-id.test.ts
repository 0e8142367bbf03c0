import { describe, expect, it } from 'vitest';
import { messageIdHost } from '../../src/mail/message-id.js';

describe('messageIdHost', () => {
  it('uses the portal URL host, else the machine name, cleaned for a Message-ID', () => {
    expect(messageIdHost('https://Portal.Example.com:8443/help')).toBe('portal.example.com');
    expect(messageIdHost(null, () => 'build box_01.local')).toBe('buildbox01.local');
    expect(messageIdHost('not a url', () => 'host-a')).toBe('host-a');
    expect(messageIdHost(null, () => '!!!')).toBe('localhost');
  });
});
