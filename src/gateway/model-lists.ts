/**
 * What models an API key serves, read from its upstream's own list endpoint (the provider's
 * `modelList`) off the request path, so a model missing from the built-in catalogue (an OpenAI
 * key's `gpt-4o-mini`) routes to the provider whose key lists it. What a provider's keys list is
 * added to its live list (`ProviderRegistry.liveModels`); the catalogue's version moves with it,
 * which empties the route cache. Read at start, every `model_lists.refresh_seconds`, and soon
 * after the keys change (a config reload, `byokey add-api-key` in another process); a failed read
 * is logged and the last list stays.
 */
import type { Config } from '../config/schema.ts'
import type { ConfigRef } from '../config/snapshot.ts'
import type { Logger } from '../log.ts'
import { PROVIDER_IDS } from '../providers/ids.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import type { Credential, ModelInfo, ModelListSource } from '../providers/types.ts'
import type { AccountStore } from '../store/types.ts'
import { startBackgroundReads } from './background-reads.ts'

/** How often the background loop looks whether the keys changed or a refresh is due. */
export const MODEL_LIST_CHECK_MS = 15_000

export interface ModelListReader {
  stop(): void
}

/** Reads every API key's list once and adds what each provider's keys name to its live list. */
export async function refreshModelLists(
  providers: ProviderRegistry,
  config: Config,
  accounts: AccountStore | undefined,
  log: Logger,
): Promise<void> {
  await Promise.all([
    ...PROVIDER_IDS.map(async (id) => {
      const provider = providers.builtin[id]
      const live = providers.liveModels(id)
      const source = provider?.modelList
      if (!provider || !live || !source) return
      const keys = distinctKeys(provider.credentials(config, accounts))
      // no key left: what the keys listed goes with them
      if (keys.length === 0) return live.learn([])
      // one key after the other: a provider's keys usually share a host, which need not see a burst
      const learned: ModelInfo[] = []
      let read = 0
      for (const key of keys) {
        const models = await readList(source, key, config, id, log)
        if (models) {
          read++
          learned.push(...models)
        }
      }
      if (read > 0) live.learn(learned)
    }),
    // an `upstreams:` entry that names no models learns them from its own list; one that names
    // them (now) keeps exactly those
    ...config.upstreams
      .filter((u) => u.enabled)
      .map(async (u) => {
        if (u.models.length > 0) return providers.learnUpstream(u.name, [])
        const provider = providers.providerFor({ kind: 'upstream', name: u.name }, config)
        const source = provider?.modelList
        const key = provider?.credentials(config)[0]
        if (!source || !key) return
        const models = await readList(source, key, config, u.name, log)
        if (models) providers.learnUpstream(u.name, models)
      }),
  ])
}

/** One key's list; undefined when the call failed (logged, without the key). */
async function readList(
  source: ModelListSource,
  key: Credential,
  config: Config,
  provider: string,
  log: Logger,
): Promise<ModelInfo[] | undefined> {
  const { url, headers } = source.request(key, config)
  const at = { provider, account: key.label }
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(config.model_lists.timeout_ms) })
    if (!res.ok) {
      await res.body?.cancel()
      log.warn({ ...at, status: res.status }, 'model list: the upstream refused; keeping the last list')
      return undefined
    }
    return source.parse(await res.json())
  } catch (err) {
    const reason = err instanceof Error ? err.name : 'error'
    log.warn({ ...at, reason }, 'model list: the call failed; keeping the last list')
    return undefined
  }
}

/** API keys only (a login's models come with its plan), each key and base URL once. */
function distinctKeys(creds: readonly Credential[]): Credential[] {
  const seen = new Set<string>()
  return creds.filter((c) => {
    if (c.kind !== 'api_key') return false
    const k = `${c.baseUrl ?? ''}\n${c.secret}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * Reads the lists now, then again when `model_lists.refresh_seconds` passed (0: never on a
 * timer) or the config snapshot or the accounts changed; nothing while `model_lists.enabled` is
 * off. One read at a time.
 */
export function startModelListReader(
  providers: ProviderRegistry,
  config: ConfigRef,
  accounts: AccountStore | undefined,
  log: Logger,
  checkMs = MODEL_LIST_CHECK_MS,
): ModelListReader {
  let readAt = 0
  let snapshot: unknown
  let accountsVersion = -1
  return startBackgroundReads(checkMs, () => {
    const snap = config.current
    if (!snap.config.model_lists.enabled) return undefined
    const every = snap.config.model_lists.refresh_seconds * 1000
    const version = accounts?.version() ?? 0
    const due =
      (every > 0 && Date.now() - readAt >= every) || snap !== snapshot || version !== accountsVersion
    if (!due) return undefined
    snapshot = snap
    accountsVersion = version
    readAt = Date.now()
    return () => refreshModelLists(providers, snap.config, accounts, log)
  })
}
