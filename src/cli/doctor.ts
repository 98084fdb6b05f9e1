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
import type { Account } from '../store/types.ts'
import { accountName, describeAccount, formatDuration, tokenState } from './account-format.ts'
import { parseCommand } from './args.ts'
import { checkConfig } from './config-check.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { socketFor } from './serve.ts'
import { dbPath, withStore } from './store-access.ts'

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
  const database = databaseCheck(db)
  results.push(database)
  results.push(
    config.ok
      ? await portCheck(config.config, db)
      : { status: 'skip', name: 'port', detail: 'unknown until the config is valid' },
  )
  let accounts: Account[] = []
  try {
    accounts = await withStore(db, { create: false }, (s) => s?.accounts.list() ?? [])
  } catch (e) {
    results.push({ status: 'fail', name: 'accounts', detail: `cannot read ${db}: ${(e as Error).message}` })
  }
  const now = Date.now()
  results.push(...accountChecks(accounts, now), clockCheck(accounts, now))
  for (const r of results) console.log(`${MARK[r.status]} ${r.name}: ${r.detail}`)
  const failed = results.filter((r) => r.status === 'fail').length
  console.log(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`)
  return failed === 0 ? 0 : 1
}
