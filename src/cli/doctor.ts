/**
 * `byokey doctor`: one ✓/✗ line per check of what a working gateway needs — a valid config, a
 * private writable database, its port, each account's token, this machine's clock — and exit 1
 * when any fails. Reads the database and asks the control socket; never prints a token.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Config } from '../config/schema.ts'
import { jwtPayload } from '../providers/codex/login.ts'
import { callControl } from '../server/control.ts'
import { type Keyring, keyringFromEnv } from '../store/token-seal.ts'
import type { Account } from '../store/types.ts'
import { accountName, describeAccount, formatDuration, tokenState } from './account-format.ts'
import { parseCommand } from './args.ts'
import { checkConfig } from './config-check.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { socketFor } from './serve.ts'
import {
  dbPath,
  describeTarget,
  openStore,
  type StoreTarget,
  storeTarget,
  withStore,
} from './store-access.ts'

/** `ok` ✓, `fail` ✗, `skip` – (nothing to check). */
export interface CheckResult {
  status: 'ok' | 'fail' | 'skip'
  name: string
  detail: string
}

/** A token issued further in the future than this means this machine's clock is behind. */
const SKEW_LIMIT_MS = 5 * 60_000

const MARK = { ok: '✓', fail: '✗', skip: '–' } as const

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** The nearest folder of `path` that exists: where a missing database would be created. */
function existingParent(path: string): string {
  let dir = dirname(path)
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

export function databaseCheck(file: string): CheckResult {
  const name = 'database'
  if (!existsSync(file)) {
    const dir = existingParent(file)
    return writable(dir)
      ? {
          status: 'ok',
          name,
          detail: `${file} not created yet (the first login or serve creates it, mode 0600)`,
        }
      : { status: 'fail', name, detail: `${file} cannot be created: ${dir} is not writable` }
  }
  const mode = statSync(file).mode & 0o777
  if (!writable(file) || !writable(dirname(file))) {
    return {
      status: 'fail',
      name,
      detail: `${file} is not writable (it and its folder must be, for the WAL)`,
    }
  }
  if (process.platform !== 'win32' && mode !== 0o600) {
    return {
      status: 'fail',
      name,
      detail: `${file} is mode 0${mode.toString(8)}, expected 0600: run chmod 600 ${file}`,
    }
  }
  return { status: 'ok', name, detail: `${file} writable, mode 0600` }
}

/** Whether something listens on host:port: a listen attempt that fails with EADDRINUSE. */
function portInUse(host: string, port: number): boolean {
  try {
    const probe = Bun.listen({ hostname: host, port, socket: { data() {} } })
    probe.stop(true)
    return false
  } catch (e) {
    if ((e as { code?: string }).code === 'EADDRINUSE') return true
    throw e
  }
}

/** Whether the program on the port answers like byokey (`GET /` names it). */
async function answersAsByokey(host: string, port: number): Promise<boolean> {
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  try {
    const res = await fetch(`http://${name}:${port}/`, { signal: AbortSignal.timeout(2000) })
    const body = (await res.json()) as { name?: unknown }
    return body.name === 'byokey'
  } catch {
    return false
  }
}

export async function portCheck(config: Config, db: string): Promise<CheckResult> {
  const name = 'port'
  const server = await callControl(socketFor(db), 'status')
  if (server?.status === 200) {
    const { pid, url } = server.body
    return { status: 'ok', name, detail: `held by the running byokey (pid ${pid}, ${url})` }
  }
  const { host, port } = config
  if (port === 0) return { status: 'ok', name, detail: 'port 0: a free port is picked at start' }
  let inUse: boolean
  try {
    inUse = portInUse(host, port)
  } catch (e) {
    return { status: 'fail', name, detail: `cannot listen on ${host}:${port}: ${(e as Error).message}` }
  }
  if (!inUse) return { status: 'ok', name, detail: `${host}:${port} is free` }
  if (await answersAsByokey(host, port)) {
    return { status: 'ok', name, detail: `${host}:${port} is held by a byokey with another database` }
  }
  return {
    status: 'fail',
    name,
    detail: `${host}:${port} is in use by another program: stop it or set another port (-p or port:)`,
  }
}

/** One line per account, in the words of `byokey status`; a token that cannot be used fails. */
export function accountChecks(accounts: readonly Account[], now = Date.now()): CheckResult[] {
  if (accounts.length === 0) {
    return [{ status: 'skip', name: 'accounts', detail: "none yet: 'byokey login <provider>' adds one" }]
  }
  return accounts.map((a) => {
    const state = tokenState(a, now)
    const refreshable = state === 'expired' && typeof a.token['refresh_token'] === 'string'
    const detail = `${a.provider}/${accountName(a)}: ${describeAccount(a, now)}`
    if (state === 'ok') return { status: 'ok', name: 'account', detail }
    if (refreshable) return { status: 'ok', name: 'account', detail: `${detail} (refreshed on next use)` }
    return { status: 'fail', name: 'account', detail: `${detail}: run 'byokey login ${a.provider}'` }
  })
}

/**
 * Clock skew from the newest `iat` (issued-at) of the accounts' JWT access tokens: a token issued
 * in our future means this clock is behind its issuer, which makes fresh tokens look not yet
 * valid and expiries come late. A clock ahead cannot be told from a token that may be hours old.
 */
export function clockCheck(accounts: readonly Account[], now = Date.now()): CheckResult {
  const name = 'clock'
  let newest: { iat: number; account: Account } | undefined
  for (const a of accounts) {
    const iat = Number(jwtPayload(a.token['access_token'])?.['iat'])
    if (Number.isFinite(iat) && iat > 0 && (!newest || iat > newest.iat)) newest = { iat, account: a }
  }
  if (!newest)
    return { status: 'skip', name, detail: 'no JWT access token with an issue time to compare with' }
  const ahead = newest.iat * 1000 - now
  const from = `${newest.account.provider}/${newest.account.accountId}`
  if (ahead > SKEW_LIMIT_MS) {
    return {
      status: 'fail',
      name,
      detail: `this clock is at least ${formatDuration(ahead)} behind the issuer of ${from}'s token: sync it (NTP)`,
    }
  }
  return { status: 'ok', name, detail: `not behind the issue time of ${from}'s access token` }
}

/** How long `doctor` waits for PostgreSQL before it calls the database unreachable. */
const POSTGRES_CHECK_MS = 5000

/**
 * The database check when the store is PostgreSQL: it opens as the server would (migrations,
 * tokens opened with the configured key), within `POSTGRES_CHECK_MS`. Also hands back the
 * accounts for the checks that follow. The URL is shown without its password.
 */
export async function postgresCheck(
  target: Extract<StoreTarget, { kind: 'postgres' }>,
  keyring: Keyring,
): Promise<{ result: CheckResult; accounts: Account[] }> {
  const name = 'database'
  const where = describeTarget(target)
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${POSTGRES_CHECK_MS / 1000} s`)),
      POSTGRES_CHECK_MS,
    )
  })
  try {
    const store = await Promise.race([openStore(target, { keyring }), timeout])
    try {
      const accounts = store.accounts.list()
      const seals = Object.entries(store.accounts.tokenSeals())
        .map(([id, n]) => (id === 'clear' ? `${n} in clear` : `${n} encrypted (key ${id})`))
        .join(', ')
      const tokens = seals === '' ? 'no tokens stored' : `tokens: ${seals}`
      return { result: { status: 'ok', name, detail: `${where} answers; ${tokens}` }, accounts }
    } finally {
      await store.close()
    }
  } catch (e) {
    return { result: { status: 'fail', name, detail: `${where}: ${(e as Error).message}` }, accounts: [] }
  } finally {
    clearTimeout(timer)
  }
}

export async function doctorCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    config: { type: 'string', short: 'c' },
    db: { type: 'string' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['doctor'])
    return 0
  }
  noExtraArgs(positionals, 0, 'doctor')
  const results: CheckResult[] = []
  const config = checkConfig(values.config)
  results.push(
    config.ok
      ? { status: 'ok', name: 'config', detail: config.summary }
      : { status: 'fail', name: 'config', detail: config.problem },
  )
  const db = dbPath(values.db)
  // `--db` always means that SQLite file; else the config's store (or BYOKEY_DATABASE_URL)
  let target: StoreTarget = { kind: 'sqlite', file: db }
  if (values.db === undefined && config.ok) {
    try {
      target = storeTarget(config.config.store, db)
    } catch (e) {
      results.push({ status: 'fail', name: 'database', detail: (e as Error).message })
    }
  }
  let accounts: Account[] = []
  if (target.kind === 'postgres') {
    const checked = await postgresCheck(
      target,
      keyringFromEnv(config.ok ? config.config.store.secret_key_env : undefined),
    )
    results.push(checked.result)
    accounts = checked.accounts
  } else {
    results.push(databaseCheck(db))
  }
  results.push(
    config.ok
      ? await portCheck(config.config, db)
      : { status: 'skip', name: 'port', detail: 'unknown until the config is valid' },
  )
  if (target.kind === 'sqlite') {
    try {
      accounts = await withStore(db, { create: false }, (s) => s?.accounts.list() ?? [])
    } catch (e) {
      results.push({ status: 'fail', name: 'accounts', detail: `cannot read ${db}: ${(e as Error).message}` })
    }
  }
  const now = Date.now()
  results.push(...accountChecks(accounts, now), clockCheck(accounts, now))
  for (const r of results) console.log(`${MARK[r.status]} ${r.name}: ${r.detail}`)
  const failed = results.filter((r) => r.status === 'fail').length
  console.log(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`)
  return failed === 0 ? 0 : 1
}
