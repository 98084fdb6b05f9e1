/**
 * Real PostgreSQL and Redis servers for tests, from Debian's `postgresql` and `redis-server`
 * packages, started on 127.0.0.1 in a temporary folder and stopped (or killed) by the test.
 *
 * Tests that need one use `describe.skipIf(!hasPostgres)` / `!hasRedis`: a developer's machine
 * without the package skips them. CI installs both (`.ci/run`) and sets `CI=true`, and there a
 * missing server fails loudly instead of skipping (`requireServers`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const PG_BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']

function findPgBin(): string | undefined {
  for (const d of PG_BIN_DIRS) if (existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) return d
  return undefined
}

const pgBin = findPgBin()
const redisBin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p))

export const hasPostgres = pgBin !== undefined
export const hasRedis = redisBin !== undefined

/** In CI the packages are installed: a missing one is a broken CI, not a reason to skip. */
export function requireServers(which: { postgres?: boolean; redis?: boolean }): void {
  if (process.env['CI'] !== 'true') return
  if (which.postgres && !hasPostgres)
    throw new Error('CI: PostgreSQL (Debian package postgresql) is not installed')
  if (which.redis && !hasRedis) throw new Error('CI: Redis (Debian package redis-server) is not installed')
}

/** A free TCP port on 127.0.0.1 (neither server accepts port 0 and tells which it took). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

/** PostgreSQL refuses to run as root: as root, run its tools as the package's `postgres` user. */
function asPgUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

export interface PostgresServer {
  /** `postgres://byokey@127.0.0.1:<port>/<database>` for a fresh database of the test's. */
  url: string
  port: number
  /** Makes another empty database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>
  /** Stops the server (fast shutdown); `start` brings it back on the same port with the same data. */
  stop(): Promise<void>
  /** Stops it the way a crash would (`pg_ctl -m immediate`). */
  kill(): Promise<void>
  start(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts a PostgreSQL server in a new temporary cluster (trust auth for user `byokey` on
 * 127.0.0.1 only, fsync off: it is thrown away) with one database, `byokey`.
 */
export async function startPostgres(): Promise<PostgresServer> {
  if (!pgBin) throw new Error('PostgreSQL is not installed (Debian package postgresql)')
  const dir = mkdtempSync(join(tmpdir(), 'byokey-pg-'))
  chmodSync(dir, 0o700)
  const user = asPgUser()
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid ?? user.uid)
  const data = join(dir, 'data')
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(pgBin, cmd), args, { ...user, encoding: 'utf8', timeout: 30_000 })
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`)
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'byokey', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`
  const start = async () =>
    run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'])
  const stopMode = async (mode: 'fast' | 'immediate') => {
    const r = spawnSync(join(pgBin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop'], {
      ...user,
      timeout: 30_000,
    })
    if (r.status !== 0 && existsSync(join(data, 'postmaster.pid')))
      throw new Error(`pg_ctl stop failed: ${r.stderr}`)
  }
  await start()
  const base = `postgres://byokey@127.0.0.1:${port}`
  const createDatabase = async (name: string) => {
    const { SQL } = await import('bun')
    const admin = new SQL(`${base}/postgres`)
    try {
      await admin.unsafe(`CREATE DATABASE "${name.replaceAll('"', '')}"`)
    } finally {
      await admin.close()
    }
    return `${base}/${name}`
  }
  const url = await createDatabase('byokey')
  let disposed = false
  return {
    url,
    port,
    createDatabase,
    stop: () => stopMode('fast'),
    kill: () => stopMode('immediate'),
    start,
    async [Symbol.asyncDispose]() {
      if (disposed) return
      disposed = true
      await stopMode('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string
  port: number
  /** Stops the server (SIGTERM, waits for it to exit); `start` brings it back on the same port, empty. */
  stop(): Promise<void>
  start(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts a Redis server on 127.0.0.1 with no persistence, in a temporary folder. */
export async function startRedis(): Promise<RedisServer> {
  if (!redisBin) throw new Error('Redis is not installed (Debian package redis-server)')
  const dir = mkdtempSync(join(tmpdir(), 'byokey-redis-'))
  const port = await freePort()
  let child: ReturnType<typeof spawn> | undefined
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    args.push('--dir', dir, '--protected-mode', 'yes', '--loglevel', 'warning')
    const c = spawn(redisBin, args, { stdio: 'ignore' })
    child = c
    const until = Date.now() + 10_000
    for (;;) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`)
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1')
        s.once('connect', () => {
          s.end()
          resolve(true)
        })
        s.once('error', () => resolve(false))
      })
      if (ok) return
      if (Date.now() > until) throw new Error('redis-server did not start within 10 s')
      await Bun.sleep(20)
    }
  }
  const stop = async () => {
    const c = child
    if (!c || c.exitCode !== null) return
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
    c.kill('SIGTERM')
    await exited
  }
  await start()
  let disposed = false
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async [Symbol.asyncDispose]() {
      if (disposed) return
      disposed = true
      child?.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
