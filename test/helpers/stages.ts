/**
 * The gateway's stages driven one at a time: an `Exchange` as `generate` makes it, over a real
 * config, a real SQLite file and a logger whose lines the test reads.
 */
import { Writable } from 'node:stream'
import { parseConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import type { DialectName } from '../../src/dialects/ir.ts'
import type { Exchange } from '../../src/gateway/exchange.ts'
import { GatewayState } from '../../src/gateway/gateway-state.ts'
import { routeFor } from '../../src/gateway/pipeline.ts'
import { plan } from '../../src/gateway/plan.ts'
import { UpstreamSlots } from '../../src/gateway/upstream-slots.ts'
import { createLogger } from '../../src/log.ts'
import type { TokenManager } from '../../src/oauth/index.ts'
import type { Credential } from '../../src/providers/types.ts'
import { Context } from '../../src/server/context.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store, UsageRecord } from '../../src/store/types.ts'
import { tempDir } from './tmp.ts'

export interface Stage {
  /** Without a fallback chain: every attempt answers or fails over to the next credential. */
  ex: Exchange & { chain?: undefined }
  store: Store
  client: AbortController
  /** Log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>
  /** Usage rows written so far (flushed first). */
  rows(): Promise<UsageRecord[]>
  [Symbol.dispose](): void
}

export interface StageOptions {
  yaml: string
  dialect: DialectName
  body: Record<string, unknown>
  stream?: boolean
  /** The credentials the plan tries, in order (default: the provider's own). */
  credentials?: Credential[]
  tokens?: TokenManager
  secrets?: string[]
  /** Runs with the store before the plan is made (seed accounts). */
  seed?: (store: Store) => void
}

export function stage(opts: StageOptions): Stage {
  const dir = tempDir()
  const store = openSqliteStore(dir.join('stage.db'), { usageFlushMs: 10 })
  opts.seed?.(store)
  const config: Config = parseConfig(opts.yaml, 'stage.yaml').config
  const lines: string[] = []
  const log = createLogger({
    level: 'debug',
    stream: new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk))
        cb()
      },
    }),
  })
  const snapshot = { config, version: 1, hash: '', loadedAt: Date.now(), secrets: opts.secrets ?? [] }
  const gateway = new GatewayState(new UpstreamSlots(8))
  const ctx = new Context('req_stage', performance.now(), snapshot, log, gateway)
  const client = new AbortController()
  const stream = opts.stream ?? false
  const request = new Request('http://127.0.0.1/v1/test', { method: 'POST', signal: client.signal })
  const planned = plan(
    { dialect: opts.dialect, body: opts.body, model: String(opts.body.model), stream },
    {
      config,
      route: (model) => routeFor(gateway, model, config, store.accounts),
      credentials: (provider) => opts.credentials ?? provider.credentials(config, store.accounts),
    },
  )
  const ex: Exchange & { chain?: undefined } = {
    request,
    ctx,
    config,
    store,
    tokens: opts.tokens,
    stream,
    plan: planned,
  }
  return {
    ex,
    store,
    client,
    logs: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async rows() {
      await store.usage.flush()
      return await store.usage.recent(100)
    },
    [Symbol.dispose]() {
      store.close()
      dir[Symbol.dispose]()
    },
  }
}
