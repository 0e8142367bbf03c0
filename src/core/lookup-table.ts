/**
 * A constant table that outside input (an event name, a field key) indexes. It has no prototype, so
 * `table['constructor']` or `table['__proto__']` is undefined like any other unknown key, instead of
 * Object.prototype's member: a plain `{}` lookup hands those back as if they were entries.
 */
export function createLookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
