/**
 * The coordination a config asks for, with its Redis URL from the environment when set there (the
 * usual way: the URL carries a password), else from the file. Checked here, once, with errors
 * that never quote the URL.
 */
import type { Config } from './schema.ts'

export const REDIS_URL_ENV = 'BYOKEY_REDIS_URL'

export interface CoordinationSettings {
  kind: 'local' | 'redis'
  url?: string
  prefix?: string
}

/** The settings to open the coordination with; throws (naming the key, never the URL) when unusable. */
export function coordinationSettings(
  config: Config,
  env: Record<string, string | undefined> = process.env,
): CoordinationSettings {
  const { kind, prefix } = config.coordination
  if (kind === 'local') return { kind }
  // the environment wins, as BYOKEY_DATABASE_URL does over store.url
  const fromEnv = env[REDIS_URL_ENV] || undefined
  const url = fromEnv ?? config.coordination.url
  const where = fromEnv ? REDIS_URL_ENV : 'coordination.url'
  if (!url) throw new Error(`coordination.kind is redis: set coordination.url or ${REDIS_URL_ENV}`)
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    throw new Error(`${where} is not a URL (redis://[user:password@]host:port[/db])`)
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new Error(`${where} must start with redis:// or rediss://`)
  }
  return { kind, url, ...(prefix ? { prefix } : {}) }
}
