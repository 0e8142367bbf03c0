/**
 * The store's SQL is written once with better-sqlite3's placeholders: `?` in order and `@name` by name.
 * PostgreSQL numbers them (`$1`); this turns one into the other, leaving string literals, quoted names and
 * comments alone. A name used twice is one parameter.
 */
export interface TranslatedSql {
  text: string;
  /** What fills each `$n`, in order: a position among the arguments, or a property of the named object. */
  slots: Array<number | string>;
}

export function translatePlaceholders(sql: string): TranslatedSql {
  const slots: Array<number | string> = [];
  const named = new Map<string, number>();
  let positional = 0;
  let text = '';
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, i, char);
      text += sql.slice(i, end);
      i = end;
    } else if (char === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === '?') {
      slots.push(positional++);
      text += `$${slots.length}`;
      i += 1;
    } else if (char === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let slot = named.get(name);
      if (slot === undefined) {
        slots.push(name);
        named.set(name, (slot = slots.length));
      }
      text += `$${slot}`;
      i += 1 + name.length;
    } else {
      text += char;
      i += 1;
    }
  }
  return { text, slots };
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

/** The values for `$1…$n` from a statement's arguments, the way better-sqlite3 binds them. */
export function bindValues(slots: Array<number | string>, args: unknown[]): unknown[] {
  const named = slots.some((slot) => typeof slot === 'string');
  const object = named ? (args[0] as Record<string, unknown> | undefined) : undefined;
  const positional = named ? args.slice(1) : args;
  if (named && (object === null || typeof object !== 'object'))
    throw new RangeError('this statement takes named parameters: pass them as one object');
  return slots.map((slot) => {
    const value = typeof slot === 'string' ? object![slot] : positional[slot];
    if (value === undefined) {
      throw new RangeError(
        typeof slot === 'string'
          ? `missing named parameter "${slot}"`
          : 'too few parameter values were provided',
      );
    }
    return typeof value === 'bigint' ? value.toString() : value;
  });
}
