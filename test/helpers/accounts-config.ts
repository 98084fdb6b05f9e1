/** A parsed config whose `claude` provider has one key per label (`sk-<label>`) and `extra` settings. */
import { parseConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'

export function claudeWithKeys(labels: readonly string[], extra: Record<string, unknown> = {}): Config {
  const claude = { ...extra, api_keys: labels.map((l) => ({ api_key: `sk-${l}`, label: l })) }
  return parseConfig(JSON.stringify({ port: 0, providers: { claude } }), 'c.yaml').config
}
