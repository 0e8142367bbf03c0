import addressparser from 'nodemailer/lib/addressparser/index.js';
import { UsageError } from '../core/errors.js';

export interface Mailbox {
  address: string;
  /** Display name, '' when none. */
  name: string;
}

export interface RecipientLists {
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
}

const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
// Control characters (CR and LF above all) would let a value smuggle extra headers such as Bcc.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function isValidAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 254) return false;
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split('.');
  return (
    local.length <= 64 &&
    LOCAL_PART.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => label.length <= 63 && DOMAIN_LABEL.test(label))
  );
}

/** Rejects CR, LF and other control characters in anything that ends up in a header. */
export function assertHeaderSafe(value: string, flag: string): void {
  if (CONTROL.test(value))
    throw new UsageError(
      `${flag} contains a line break or control character`,
      'header values must be a single line',
    );
}

/**
 * Parses each value as a list of mailboxes: `a@x, b@y` gives two, `"Doe, John" <j@x>` stays one with its
 * display name. Groups are flattened. Anything that is not a valid address is a usage error naming the flag.
 */
export function parseMailboxList(values: string[], flag: string): Mailbox[] {
  const mailboxes: Mailbox[] = [];
  for (const value of values) {
    assertHeaderSafe(value, flag);
    const parsed = addressparser(value, { flatten: true });
    if (parsed.length === 0) throw new UsageError(`${flag}: no address in "${value}"`);
    for (const { address, name } of parsed) {
      if (!isValidAddress(address)) {
        throw new UsageError(
          `${flag}: "${address === '' ? (name === '' ? value : name) : address}" is not a valid email address`,
          'use name@example.com or "Display Name" <name@example.com>',
        );
      }
      mailboxes.push({ address, name: name.trim() });
    }
  }
  return mailboxes;
}

/** Exactly one mailbox (for --from and --reply-to). */
export function parseMailbox(value: string, flag: string): Mailbox {
  const [first, ...rest] = parseMailboxList([value], flag);
  if (first === undefined || rest.length > 0) throw new UsageError(`${flag} takes exactly one address`);
  return first;
}

/**
 * Removes repeats case-insensitively across To, Cc and Bcc, keeping the first and most visible place
 * (To before Cc before Bcc), so nobody receives two copies.
 */
export function dedupeRecipients(lists: RecipientLists): RecipientLists {
  const seen = new Set<string>();
  const keep = (list: Mailbox[]) =>
    list.filter((mailbox) => {
      const key = mailbox.address.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { to: keep(lists.to), cc: keep(lists.cc), bcc: keep(lists.bcc) };
}

// RFC 5322 specials: a display name containing any of them must be quoted.
const NEEDS_QUOTES = /[()<>[\]:;@\\,."]/;

/** `"Doe, John" <j@x>` or a bare `j@x`; one item per mailbox, as SMTP2Go's `to`/`cc`/`bcc` expect. */
export function formatMailbox(mailbox: Mailbox): string {
  if (mailbox.name === '') return mailbox.address;
  const name = NEEDS_QUOTES.test(mailbox.name) ? `"${mailbox.name.replace(/["\\]/g, '\\$&')}"` : mailbox.name;
  return `${name} <${mailbox.address}>`;
}
