/** An in-process gateway on 127.0.0.1 port 0 with a real config file, a real SQLite file and captured logs. */
import { writeFileSync } from 'node:fs'
import { stringify } from 'yaml'
import { ConfigRef } from '../../src/config/snapshot.ts'
import type { Coordination } from '../../src/coordination/types.ts'
import { type Gateway, startGateway } from '../../src/server/serve.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { capturedLog } from './logs.ts'
import { type TempDir, tempDir } from './tmp.ts'

export interface TestGateway {
  url: string
  store: Store
  config: ConfigRef
  configFile: string
  dir: TempDir
  /** Every log line, parsed. */
  logs: Array<Record<string, unknown>>
  /** Raw log text, for secret checks. */
  logText(): string
  /** Rewrites the config file and reloads it now. */
  rewrite(config: Record<string, unknown>): void
  gateway: Gateway
  [Symbol.asyncDispose](): Promise<void>
}

/** Stores a subscription login as `byokey login` would, its access token valid for an hour. */
export function seedLogin(
  store: Store,
  provider: string,
  accountId: string,
  token: { access_token: string; refresh_token: string } & Record<string, unknown>,
): void {
  store.accounts.upsert({ provider, accountId, kind: 'oauth', token, expiresAt: Date.now() + 3_600_000 })
}

/**
 * Off unless a test turns it on: reading API keys' model lists at start would add a
 * `GET /v1/models` at an unpredictable moment to the calls tests count on their fake upstreams.
 */
const QUIET = { model_lists: { enabled: false } }

/** What makes a test gateway one of several instances: the store they share, how they coordinate. */
export interface InstanceOptions {
  /** A database file another test gateway uses too (default: a new one in this gateway's folder). */
  db?: string
  /** A store the test opened (PostgreSQL); the gateway closes it when disposed. Wins over `db`. */
  store?: Store
  coordination?: Coordination
}

export async function testGateway(
  config: Record<string, unknown> = {},
  instance: InstanceOptions = {},
): Promise<TestGateway> {
  const dir = tempDir()
  const configFile = dir.join('config.yaml')
  writeFileSync(configFile, stringify({ port: 0, ...QUIET, ...config }))
  const { log, text, lines } = capturedLog()
  const ref = new ConfigRef({
    file: configFile,
    pollMs: 0,
    onError: (e) => log.error({ reason: e.message }, 'config'),
  })
  const store = instance.store ?? openSqliteStore(instance.db ?? dir.join('byokey.db'), { usageFlushMs: 10 })
  const gateway = startGateway({
    config: ref,
    store,
    log,
    version: 'test',
    ...(instance.coordination ? { coordination: instance.coordination } : {}),
  })
  return {
    url: gateway.url,
    store,
    config: ref,
    configFile,
    dir,
    gateway,
    get logs() {
      return lines()
    },
    logText: text,
    rewrite(next) {
      writeFileSync(configFile, stringify({ port: 0, ...QUIET, ...next }))
      const r = ref.reload()
      if (r.error) throw new Error(r.error)
    },
    async [Symbol.asyncDispose]() {
      await gateway.stop()
      await instance.coordination?.close()
      await store.close()
      dir[Symbol.dispose]()
    },
  }
}
