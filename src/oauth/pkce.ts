/** PKCE (RFC 7636, S256 only) and the `state` value of an authorization request. */
import { createHash, randomBytes } from 'node:crypto'

export interface Pkce {
  verifier: string
  challenge: string
  method: 'S256'
}

/** 32 random bytes, base64url without padding: 43 characters, inside RFC 7636's 43–128. */
export function createVerifier(): string {
  return randomBytes(32).toString('base64url')
}

/** `base64url_nopad(sha256(verifier))`. */
export function challengeFor(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url')
}

export function createPkce(): Pkce {
  const verifier = createVerifier()
  return { verifier, challenge: challengeFor(verifier), method: 'S256' }
}

/** 32 lowercase hex characters (16 random bytes). */
export function createState(): string {
  return randomBytes(16).toString('hex')
}
