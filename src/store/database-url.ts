/**
 * A database URL fit for messages, apart from the PostgreSQL store so that naming where a store
 * is does not load the store itself.
 */

/** The URL without its password, for messages and `location`. */
export function redactedDatabaseUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = 'redacted'
    return u.toString()
  } catch {
    return 'postgres://(unparsable URL)'
  }
}
