/**
 * The control socket: a Unix socket (mode 0600, so only this user can drive it) that answers
 * `byokey reload`, `status` and `stop` from another process, without touching the public port.
 */

import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Server } from 'bun'

export interface ControlHandlers {
  status(): Record<string, unknown>
  reload(): { changed: boolean; version: number; error?: string }
  shutdown(): void
}

export interface ControlServer {
  readonly path: string
  close(): void
}

/** Whether a byokey server already answers on `path`. */
export async function controlAlive(path: string): Promise<boolean> {
  if (!existsSync(path)) return false
  try {
    const res = await fetch('http://byokey/status', { unix: path, signal: AbortSignal.timeout(1000) })
    return res.ok
  } catch {
    return false
  }
}

export async function startControl(path: string, handlers: ControlHandlers): Promise<ControlServer> {
  if (await controlAlive(path)) {
    throw new Error(`another byokey server is already running (control socket ${path})`)
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  rmSync(path, { force: true }) // stale socket from a crashed run
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  const server: Server<undefined> = Bun.serve({
    unix: path,
    fetch(req) {
      const { pathname } = new URL(req.url)
      if (pathname === '/status' && req.method === 'GET') return json(handlers.status())
      if (pathname === '/reload' && req.method === 'POST') {
        const r = handlers.reload()
        return json(r, r.error ? 422 : 200)
      }
      if (pathname === '/shutdown' && req.method === 'POST') {
        setTimeout(() => handlers.shutdown(), 10)
        return json({ stopping: true })
      }
      return json({ error: `unknown control call ${req.method} ${pathname}` }, 404)
    },
  })
  chmodSync(path, 0o600)
  return {
    path,
    close() {
      server.stop(true)
      rmSync(path, { force: true })
    },
  }
}

/** Calls the running server; undefined when none answers. */
export async function callControl(
  path: string,
  call: 'status' | 'reload' | 'shutdown',
): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  if (!existsSync(path)) return undefined
  try {
    const res = await fetch(`http://byokey/${call}`, {
      unix: path,
      method: call === 'status' ? 'GET' : 'POST',
      signal: AbortSignal.timeout(5000),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  } catch {
    return undefined
  }
}
