/**
 * Tokens at rest: with a secret key set, an account's token JSON is stored as AES-256-GCM
 * ciphertext behind a versioned prefix that names the key (`enc:v1:<key id>:<base64url>`), so
 * a database read by others (a shared PostgreSQL, its backups) holds no token text. Rows
 * written in clear before a key was set are still read, and sealed on their next write. The
 * key id lets a rotation read rows of an older key while it re-seals them under the new one.
 * Both stores seal through this module, so a row copied from one to the other opens the same way.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/** What every sealed token starts with; the version moves if the format ever changes. */
export const SEALED_PREFIX = 'enc:v1:'

/** The environment variable that holds the key unless `store.secret_key_env` names another. */
export const DEFAULT_SECRET_KEY_ENV = 'BYOKEY_SECRET_KEY'

/** The same name with this suffix holds older keys (comma-separated), read but never written with. */
export const PREVIOUS_KEYS_SUFFIX = '_PREVIOUS'

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

export interface SecretKey {
  /** Eight hex characters of a digest of the key: names the key in sealed rows, reveals nothing of it. */
  id: string
  key: Buffer
}

/** The keys tokens are sealed and opened with, and the variable they came from (for messages). */
export interface Keyring {
  envName: string
  /** What new rows are sealed with; absent: rows are written in clear (older keys still open old rows). */
  current?: SecretKey
  /** Every key that may open a row, by id: the current one and the previous ones. */
  byId: ReadonlyMap<string, SecretKey>
}

/** A key that is malformed, missing or not the one a row was sealed with. The message names the variable, never a key. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretKeyError'
    // a setting to fix, not a bug: what a command prints (its stack) is the message alone
    this.stack = message
  }
}

/** A key from its text: 32 bytes as 64 hex characters or as base64 (standard or URL alphabet). */
export function parseSecretKey(text: string, envName: string): SecretKey {
  const t = text.trim()
  let key: Buffer | undefined
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex')
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t, 'base64')
  if (!key || key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${envName} must hold a 32-byte key as 64 hex characters or base64 (make one with: openssl rand -base64 32)`,
    )
  }
  const id = createHash('sha256').update('byokey token key\0').update(key).digest('hex').slice(0, 8)
  return { id, key }
}

/**
 * The keyring of `envName` (current key) and `envName_PREVIOUS` (older keys, comma-separated);
 * with neither set it holds no key: tokens are written in clear, and a sealed one is an error
 * that names `envName`.
 */
export function keyringFromEnv(
  envName: string = DEFAULT_SECRET_KEY_ENV,
  env: Record<string, string | undefined> = process.env,
): Keyring {
  const currentText = env[envName]?.trim()
  const previousName = envName + PREVIOUS_KEYS_SUFFIX
  const previous = (env[previousName] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseSecretKey(s, previousName))
  const current = currentText ? parseSecretKey(currentText, envName) : undefined
  const byId = new Map<string, SecretKey>()
  for (const k of previous) byId.set(k.id, k)
  if (current) byId.set(current.id, current)
  return { envName, ...(current ? { current } : {}), byId }
}

/** The id of the key a stored token was sealed with; undefined for a token stored in clear. */
export function sealedKeyId(stored: string): string | undefined {
  if (!stored.startsWith(SEALED_PREFIX)) return undefined
  const end = stored.indexOf(':', SEALED_PREFIX.length)
  return end < 0 ? '' : stored.slice(SEALED_PREFIX.length, end)
}

/** The token JSON as it is to be stored: sealed under the keyring's current key, else as is. */
export function sealToken(json: string, keyring: Keyring | undefined): string {
  const key = keyring?.current
  if (!key) return json
  const header = `${SEALED_PREFIX}${key.id}:`
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  // the header is authenticated too: a row cannot be made to claim another key or version
  cipher.setAAD(Buffer.from(header))
  const body = Buffer.concat([iv, cipher.update(json, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return header + body.toString('base64url')
}

/** The token JSON of a stored token: opened when sealed, as is when stored in clear. */
export function openToken(stored: string, keyring: Keyring | undefined): string {
  const id = sealedKeyId(stored)
  if (id === undefined) return stored
  const envName = keyring?.envName ?? DEFAULT_SECRET_KEY_ENV
  const key = keyring?.byId.get(id)
  if (!key) {
    throw new SecretKeyError(
      keyring?.byId.size
        ? `a token is encrypted with key ${id}, which neither ${envName} nor ${envName}${PREVIOUS_KEYS_SUFFIX} holds: set the key it was written with`
        : `tokens are encrypted (key ${id}) but ${envName} is not set: set it to the key they were written with`,
    )
  }
  const header = `${SEALED_PREFIX}${id}:`
  const body = Buffer.from(stored.slice(header.length), 'base64url')
  if (body.length < IV_BYTES + TAG_BYTES)
    throw new SecretKeyError(`a token encrypted with key ${id} is truncated`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, body.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(header))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    return Buffer.concat([
      decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    throw new SecretKeyError(
      `a token encrypted with key ${id} does not open with ${envName}: it was altered or corrupted`,
    )
  }
}

/** Opened tokens kept per stored text; beyond this the memo starts over (a store holds a handful of accounts). */
const MEMO_LIMIT = 1024

/**
 * `sealToken`/`openToken` bound to one keyring, for a store. Opening is memoised by the stored
 * text (a fresh IV makes each sealed text unique), so the request path, which reads an account
 * per attempt, decrypts a token once per write rather than once per request.
 */
export interface TokenCipher {
  readonly keyring: Keyring | undefined
  seal(json: string): string
  open(stored: string): string
}

export function tokenCipher(keyring: Keyring | undefined): TokenCipher {
  const memo = new Map<string, string>()
  return {
    keyring,
    seal: (json) => sealToken(json, keyring),
    open(stored) {
      if (!stored.startsWith(SEALED_PREFIX)) return stored
      const hit = memo.get(stored)
      if (hit !== undefined) return hit
      const json = openToken(stored, keyring)
      if (memo.size >= MEMO_LIMIT) memo.clear()
      memo.set(stored, json)
      return json
    },
  }
}

/**
 * Opens every stored token once, so a missing or wrong key stops the store from opening, with
 * the variable named, instead of failing requests one by one (and nothing is rewritten).
 */
export function checkTokensOpen(stored: readonly string[], cipher: TokenCipher): void {
  let failed = 0
  let first: SecretKeyError | undefined
  for (const s of stored) {
    try {
      cipher.open(s)
    } catch (e) {
      if (!(e instanceof SecretKeyError)) throw e
      failed++
      first ??= e
    }
  }
  if (first) {
    throw new SecretKeyError(`${failed} of ${stored.length} account tokens cannot be read: ${first.message}`)
  }
}

/** How the stored tokens are kept: in clear, or sealed under which key id (`clear` or a key id → rows). */
export function sealCounts(stored: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const s of stored) {
    const id = sealedKeyId(s) ?? 'clear'
    counts[id] = (counts[id] ?? 0) + 1
  }
  return counts
}

/** Whether a stored token is already as the keyring would write it now (sealed under the current key, or in clear without one). */
export function isSealedAsCurrent(stored: string, keyring: Keyring | undefined): boolean {
  return sealedKeyId(stored) === keyring?.current?.id
}
