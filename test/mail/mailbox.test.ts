import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { dedupeRecipients, formatMailbox, parseMailbox, parseMailboxList } from '../../src/mail/mailbox.js';

describe('parseMailboxList', () => {
  it('splits comma lists, keeps display names and quoted commas', () => {
    expect(
      parseMailboxList(
        ['a@example.com, "Doe, John" <john@example.com>', 'Ann Lee <ann@example.org>'],
        '--to',
      ),
    ).toEqual([
      { address: 'a@example.com', name: '' },
      { address: 'john@example.com', name: 'Doe, John' },
      { address: 'ann@example.org', name: 'Ann Lee' },
    ]);
  });

  it.each([
    ['not-an-address'],
    ['Name <not an email>'],
    ['a@localhost'],
    ['a@@example.com'],
    ['.a@example.com'],
    [''],
  ])('rejects %j with a usage error naming the flag', (value) => {
    const error = (() => {
      try {
        parseMailboxList([value], '--cc');
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toContain('--cc');
  });

  it('rejects CR/LF header injection', () => {
    expect(() => parseMailboxList(['a@example.com\r\nBcc: evil@example.net'], '--to')).toThrow(/line break/);
    expect(() => parseMailboxList(['"Evil\nBcc: x@y.z" <a@example.com>'], '--to')).toThrow(UsageError);
  });

  it('parseMailbox takes exactly one', () => {
    expect(parseMailbox('Help Desk <help@example.com>', '--from')).toEqual({
      address: 'help@example.com',
      name: 'Help Desk',
    });
    expect(() => parseMailbox('a@example.com, b@example.com', '--from')).toThrow(/exactly one/);
  });
});

describe('dedupeRecipients', () => {
  it('drops case-insensitive repeats across To, Cc and Bcc, keeping the most visible', () => {
    const result = dedupeRecipients({
      to: [
        { address: 'A@Example.com', name: 'A' },
        { address: 'a@example.com', name: '' },
      ],
      cc: [
        { address: 'a@EXAMPLE.com', name: '' },
        { address: 'c@example.com', name: '' },
      ],
      bcc: [
        { address: 'C@example.com', name: '' },
        { address: 'd@example.com', name: '' },
      ],
    });
    expect(result).toEqual({
      to: [{ address: 'A@Example.com', name: 'A' }],
      cc: [{ address: 'c@example.com', name: '' }],
      bcc: [{ address: 'd@example.com', name: '' }],
    });
  });
});

describe('formatMailbox', () => {
  it('quotes names with specials and escapes quotes', () => {
    expect(formatMailbox({ address: 'j@x.com', name: 'Doe, John' })).toBe('"Doe, John" <j@x.com>');
    expect(formatMailbox({ address: 'j@x.com', name: 'Ann Lee' })).toBe('Ann Lee <j@x.com>');
    expect(formatMailbox({ address: 'j@x.com', name: 'Say "hi"' })).toBe('"Say \\"hi\\"" <j@x.com>');
    expect(formatMailbox({ address: 'j@x.com', name: '' })).toBe('j@x.com');
  });

  it('round-trips through the parser', () => {
    const mailbox = { address: 'j@x.com', name: 'Doe, "J" (Jr.)' };
    expect(parseMailboxList([formatMailbox(mailbox)], '--to')).toEqual([mailbox]);
  });
});
