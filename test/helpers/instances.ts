/**
 * Several byokey processes side by side, as a team runs them behind a load balancer: each its own
 * config file, home folder and port (port 0), all pointing at the store and coordination the test
 * names (PostgreSQL and Redis from `servers.ts`, or each its own SQLite and local coordination when
 * none is given). A tiny round-robin proxy on 127.0.0.1 plays the load balancer: it spreads
 * requests over the instances it considers up, and stops sending to one the test kills or stops,
 * as a real balancer does once its health check fails, and sends a request whose connection an
 * instance refused to the next one. Every process is stopped when the test is done, whatever
 * happened.
 */
import { writeFileSync } from 'node:fs'
import type { Server } from 'bun'
import { stringify } from 'yaml'
import { type ServerProcess, startServer } from './process.ts'
import { type TempDir, tempDir } from './tmp.ts'

export interface InstancesOptions {
  /** How many processes (default 2). */
  count?: number
  /** The config every instance shares (providers, keys…); `port: 0` and quiet model lists are added. */
  config?: Record<string, unknown>
  /** The `store:` section of every instance (default: none, each its own SQLite file). */
  store?: Record<string, unknown>
  /** The `coordination:` section of every instance (default: none, local). */
  coordination?: Record<string, unknown>
  /** Extra environment of every process (an admin key, a database URL…). */
  env?: Record<string, string>
}

export interface Instance {
  readonly index: number
  readonly dir: TempDir
  readonly configFile: string
  /** The running process; replaced by `start`. */
  server: ServerProcess
  /** The balancer sends it requests. */
  up: boolean
  /** Requests the balancer sent it. */
  served: number
}

export interface Instances {
  readonly list: readonly Instance[]
  /** The balancer's address: requests sent here are spread round robin over the instances that are up. */
  readonly url: string
  /** Instance `i`'s own address, bypassing the balancer. */
  urlOf(i: number): string
  /** The next instance the balancer would pick (and counts it as sent): to spread requests without the proxy. */
  next(): Instance
  /** Takes `i` out of the balancer, then kills it the way a crash does (SIGKILL), and waits for it to exit. */
  kill9(i: number): Promise<void>
  /** Takes `i` out of the balancer and stops it (SIGTERM: it drains and exits); its exit code. */
  stop(i: number): Promise<number>
  /** Starts `i` again on the same config and home, and puts it back in the balancer. */
  start(i: number): Promise<void>
  /** Rewrites every instance's config file (the shared part), without reloading anything. */
  rewrite(config: Record<string, unknown>): void
  [Symbol.asyncDispose](): Promise<void>
}

/** Off unless a test turns it on: a model-list read at start would add unexpected upstream calls. */
const QUIET = { model_lists: { enabled: false } }

function configText(opts: InstancesOptions, shared: Record<string, unknown>): string {
  return stringify({
    port: 0,
    ...QUIET,
    ...shared,
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.coordination ? { coordination: opts.coordination } : {}),
  })
}

/** Only its owner reads it, as byokey asks of a config holding keys (no warning line in the logs). */
const writeConfig = (file: string, text: string) => writeFileSync(file, text, { mode: 0o600 })

function envOf(dir: TempDir, extra: Record<string, string>): Record<string, string> {
  // never the machine's own home, config folder or database
  return {
    BYOKEY_HOME: dir.path,
    HOME: dir.path,
    XDG_CONFIG_HOME: dir.join('.config'),
    ...extra,
  }
}

/** Whether its process has not exited yet (a killed one has a signal code and no exit code). */
const running = (inst: Instance) => inst.server.proc.exitCode === null && inst.server.proc.signalCode === null

/** Starts `count` instances and the balancer in front of them; dispose to stop them all. */
export async function startInstances(opts: InstancesOptions = {}): Promise<Instances> {
  const count = opts.count ?? 2
  const dirs = Array.from({ length: count }, () => tempDir('byokey-instance-'))
  const list: Instance[] = []
  let balancer: Server<undefined> | undefined
  let cursor = 0
  const dispose = async () => {
    balancer?.stop(true)
    await Promise.all(list.map((inst) => inst.server[Symbol.asyncDispose]()))
    for (const d of dirs) d[Symbol.dispose]()
  }
  try {
    const launch = (dir: TempDir) => startServer(['-c', dir.join('config.yaml')], envOf(dir, opts.env ?? {}))
    for (const dir of dirs) writeConfig(dir.join('config.yaml'), configText(opts, opts.config ?? {}))
    // one at a time: two instances migrating one fresh database at once is a case of its own
    for (const [index, dir] of dirs.entries()) {
      const server = await launch(dir)
      list.push({ index, dir, configFile: dir.join('config.yaml'), server, up: true, served: 0 })
    }
    const next = (): Instance => {
      for (let tries = 0; tries < list.length; tries++) {
        const inst = list[cursor++ % list.length]!
        if (inst.up) {
          inst.served++
          return inst
        }
      }
      throw new Error('no instance is up')
    }
    balancer = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: 120,
      fetch: async (req) => {
        const url = new URL(req.url)
        const headers = new Headers(req.headers)
        headers.delete('host')
        // read once: a request refused at connect is sent again, to the next instance
        const body = req.body ? await req.arrayBuffer() : undefined
        for (let tries = 0; ; tries++) {
          const inst = list.some((i) => i.up) ? next() : undefined
          if (!inst) return new Response('no instance is up', { status: 503 })
          try {
            return await fetch(`${inst.server.url}${url.pathname}${url.search}`, {
              method: req.method,
              headers,
              redirect: 'manual',
              signal: req.signal,
              decompress: false,
              // a fresh connection each time: one an instance is closing is never reused
              keepalive: false,
              ...(body ? { body } : {}),
            })
          } catch (e) {
            // what a balancer retries elsewhere (HAProxy's `retries` + `redispatch`): the
            // instance took no part of the request; anything later is the client's to see
            const code = (e as { code?: string }).code
            const refused = code === 'ECONNREFUSED' || code === 'ConnectionRefused'
            if (!refused || tries + 1 >= list.length) throw e
          }
        }
      },
    })
    const instances: Instances = {
      list,
      url: `http://127.0.0.1:${balancer.port}`,
      urlOf: (i) => list[i]!.server.url,
      next,
      async kill9(i) {
        const inst = list[i]!
        inst.up = false
        inst.server.proc.kill('SIGKILL')
        await inst.server.proc.exited
      },
      async stop(i) {
        const inst = list[i]!
        inst.up = false
        return await inst.server.stop('SIGTERM')
      },
      async start(i) {
        const inst = list[i]!
        if (running(inst)) throw new Error(`instance ${i} is still running`)
        inst.server = await launch(inst.dir)
        inst.up = true
      },
      rewrite(config) {
        for (const inst of list) writeConfig(inst.configFile, configText(opts, config))
      },
      [Symbol.asyncDispose]: dispose,
    }
    return instances
  } catch (e) {
    await dispose()
    throw e
  }
}
