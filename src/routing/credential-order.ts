/**
 * Which credential to try first, and which next when one fails before the first byte:
 * `round_robin` spreads calls over a provider's keys, `priority` always starts at the first.
 */

/**
 * The round-robin position of each provider, owned by one gateway (in memory, per process; a
 * shared backend can take the same shape later). Two gateways in one process rotate apart.
 */
export class CredentialOrder {
  readonly #cursors = new Map<string, number>()

  /** `creds` in the order to try them for this call; a round-robin provider's start moves on by one. */
  order<T>(provider: string, creds: readonly T[], strategy: 'round_robin' | 'priority'): T[] {
    if (creds.length <= 1 || strategy === 'priority') return [...creds]
    const at = (this.#cursors.get(provider) ?? 0) % creds.length
    this.#cursors.set(provider, at + 1)
    return [...creds.slice(at), ...creds.slice(0, at)]
  }
}

/** Statuses worth trying another credential for: the key (rate limit, quota, revoked) or the upstream (5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 401 || status === 402 || status === 403 || status === 429 || status >= 500
}
