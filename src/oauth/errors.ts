/**
 * Typed errors of the OAuth layer. Messages name the provider, the OAuth error code and what to do
 * next; they never contain a token, a code or a verifier.
 */

/** An OAuth server answered with an error (`{"error": "...", "error_description": "..."}`) or nonsense. */
export class OAuthError extends Error {
  override readonly name: string = 'OAuthError'
  constructor(
    /** The OAuth `error` code (`invalid_grant`, `access_denied`…) or a local one (`login_timeout`, `bad_response`). */
    readonly code: string,
    message: string,
    readonly status?: number,
    /** From `Retry-After` on a 429/503, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

/** The refresh token is revoked, expired or already used: only a new login helps. Refreshers throw it. */
export class InvalidGrantError extends OAuthError {
  override readonly name = 'InvalidGrantError'
  constructor(message = 'the refresh token was rejected (invalid_grant)', status?: number) {
    super('invalid_grant', message, status)
  }
}

/** The account cannot be used until the user logs in again; the message names the command. */
export class NeedsLoginError extends Error {
  override readonly name = 'NeedsLoginError'
  constructor(
    readonly provider: string,
    readonly accountId: string | undefined,
    reason: string,
  ) {
    const who = accountId === undefined ? provider : `${provider} account "${accountId}"`
    super(`${who}: ${reason}; run \`byokey login ${provider}\``)
  }
}

/** A refresh failed for a reason other than invalid_grant; the next attempt waits until `retryAt`. */
export class RefreshFailedError extends Error {
  override readonly name = 'RefreshFailedError'
  constructor(
    readonly provider: string,
    readonly accountId: string,
    readonly reason: string,
    /** Unix ms of the earliest next attempt. */
    readonly retryAt: number,
    options?: { cause?: unknown },
  ) {
    super(`refreshing ${provider} account "${accountId}" failed: ${reason}`, options)
  }
}

/**
 * The provider answered that the account will not work again (an ended tier, a suspension, a
 * revoked client): it is marked `unavailable`, never refreshed, skipped until a new login.
 */
export class AccountUnavailableError extends Error {
  override readonly name = 'AccountUnavailableError'
  constructor(
    readonly provider: string,
    readonly accountId: string,
    /** What happened, what the upstream said and what to do (the account's `last_error`). */
    readonly reason: string,
  ) {
    super(`${provider} account "${accountId}" is unavailable: ${reason}`)
  }
}
