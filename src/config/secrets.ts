/**
 * Which names and which values of a config are credentials (proxy passwords included). The names are what the logger
 * redacts by key; the values (keys written in the file, keys the file names in the environment,
 * credential headers of `upstreams:`) are what an error text must never carry to a client, and
 * what makes a group- or world-readable config file worth a warning.
 */
import { statSync } from 'node:fs'
import { REDIS_URL_ENV } from './coordination.ts'
import type { Config } from './schema.ts'

/** Keys whose values are secrets (compared lower-cased, `-` and `_` ignored). */
export const SECRET_KEY_LIST = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'api_key',
  'apikey',
  'api_keys',
  'upstream_key',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'secret',
  'password',
  'cookie',
  'set-cookie',
  'code_verifier',
  'device_code',
  // a proxy's URL may carry its user and password
  'proxy_url',
]

export function normalizeKey(k: string): string {
  return k.toLowerCase().replace(/[-_]/g, '')
}

const SECRET_KEYS = new Set(SECRET_KEY_LIST.map(normalizeKey))

/** Whether a key (a field, a header, a query parameter) names a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normalizeKey(key))
}

export interface ConfigSecrets {
  /** Written in the config file: `providers.<id>.api_key`, `api_keys[].api_key`, `upstreams[].api_key`, credential headers. */
  inFile: string[]
  /** Read from the environment variables `upstreams[].api_key_env` names. */
  fromEnv: string[]
}

/** Every credential the config holds or points at. */
export function configSecrets(
  config: Config,
  env: Record<string, string | undefined> = process.env,
): ConfigSecrets {
  const inFile: string[] = []
  const fromEnv: string[] = []
  const proxy = (url: string | undefined) => {
    if (url) inFile.push(...proxyPasswords(url))
  }
  proxy(config.proxy_url)
  for (const p of Object.values(config.providers)) {
    if (p.api_key) inFile.push(p.api_key)
    proxy(p.proxy_url)
    for (const k of p.api_keys) {
      inFile.push(k.api_key)
      proxy(k.proxy_url)
    }
  }
  if (config.amp.upstream_key) inFile.push(config.amp.upstream_key)
  // the database URL's password, in the same form as a proxy's
  proxy(config.store.url)
  for (const u of config.upstreams) {
    if (u.api_key) inFile.push(u.api_key)
    proxy(u.proxy_url)
    const fromVar = u.api_key_env ? env[u.api_key_env] : undefined
    if (fromVar) fromEnv.push(fromVar)
    for (const [name, value] of Object.entries(u.headers)) {
      if (!value || !isSecretKey(name)) continue
      inFile.push(value)
      // `Bearer <token>`: an upstream that echoes the credential quotes the token alone
      const token = /^[A-Za-z-]+\s+(\S+)$/.exec(value)?.[1]
      if (token) inFile.push(token)
    }
  }
  const adminKey = config.admin.key_env ? env[config.admin.key_env] : undefined
  if (adminKey) fromEnv.push(adminKey)
  // the Redis URL's password, read like a proxy URL's
  proxy(config.coordination.url)
  const redisUrl = env[REDIS_URL_ENV]
  if (redisUrl) fromEnv.push(...proxyPasswords(redisUrl))
  // the key tokens are encrypted with at rest, and the older ones still read
  const storeKey = config.store ? env[config.store.secret_key_env] : undefined
  if (storeKey) fromEnv.push(storeKey.trim())
  const oldStoreKeys = config.store ? env[`${config.store.secret_key_env}_PREVIOUS`] : undefined
  for (const k of oldStoreKeys?.split(',') ?? []) if (k.trim()) fromEnv.push(k.trim())
  return { inFile, fromEnv }
}

/** The password of a proxy URL (`http://user:pass@host`), as written and decoded; none without one. */
function proxyPasswords(url: string): string[] {
  let password: string
  try {
    password = new URL(url).password
  } catch {
    return []
  }
  if (!password) return []
  let decoded = password
  try {
    decoded = decodeURIComponent(password)
  } catch {}
  return decoded === password ? [password] : [password, decoded]
}

/**
 * The mode of a config file that holds credentials and is readable or writable by group or
 * others (`mode & 0o077`); undefined when it is private, holds none, or cannot be read.
 */
export function exposedConfigMode(file: string | undefined, config: Config): number | undefined {
  if (!file || process.platform === 'win32') return undefined
  if (configSecrets(config).inFile.length === 0) return undefined
  let mode: number
  try {
    mode = statSync(file).mode & 0o777
  } catch {
    return undefined
  }
  return mode & 0o077 ? mode : undefined
}
