/**
 * The coordination a config asks for, with its Redis URL from the file or, when the file has
 * none (the usual way: the URL carries a password), from the environment. Checked here, once,
 * with errors that never quote the URL.
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
  const written = config.coordination.url
  const url = written ?? (env[REDIS_URL_ENV] || undefined)
  const where = written ? 'coordination.url' : REDIS_URL_ENV
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
