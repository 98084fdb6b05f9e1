/** Runs byokey as a real process (source or compiled binary) and reads its JSON log lines. */

import { expect } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import type { TempDir } from './tmp.ts'

export const ROOT = join(import.meta.dir, '..', '..')
export const SOURCE_CMD = [process.execPath, join(ROOT, 'src', 'main.ts')]

export interface LogLine {
  level: number
  msg: string
  [k: string]: unknown
}

export interface ServerProcess {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  url: string
  /** Every stdout line parsed as JSON so far (non-JSON lines kept as `{msg}`). */
  lines: LogLine[]
  stderr(): Promise<string>
  /** Waits for a log line whose msg matches. */
  waitForLine(match: (l: LogLine) => boolean, ms?: number): Promise<LogLine>
  /** SIGTERM and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>
  [Symbol.asyncDispose](): Promise<void>
}

/** Runs a byokey command to completion; `stdin`, when given, is piped in and closed. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  cmd: string[] = SOURCE_CMD,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([...cmd, ...args], {
    env: { ...process.env, ...env },
    stdio: [stdin === undefined ? 'ignore' : new Blob([stdin]), 'pipe', 'pipe'],
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}

/**
 * Starts `serve` expecting it to refuse: the reason it gave (exit code, stderr and log lines, as
 * `startServer` reports an exit), or `started` when it listened after all (it is stopped again).
 */
export async function serveRefusal(args: string[], env: Record<string, string>): Promise<string> {
  return await startServer(args, env).then(
    async (s) => {
      await s.stop()
      return 'started'
    },
    (e: Error) => e.message,
  )
}

/**
 * Starts `serve` and resolves once it logs that it listens. `logFile`: the server logs there
 * (`--log-file`), so its lines are read from that file instead of stdout.
 */
export async function startServer(
  args: string[],
  env: Record<string, string>,
  cmd: string[] = SOURCE_CMD,
  opts: { logFile?: string } = {},
): Promise<ServerProcess> {
  const proc = Bun.spawn([...cmd, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  const waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = []
  const stderrText = new Response(proc.stderr).text()
  let buf = ''
  const feed = (text: string) => {
    buf += text
    let nl = buf.indexOf('\n')
    while (nl !== -1) {
      const raw = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      let line: LogLine
      try {
        line = JSON.parse(raw) as LogLine
      } catch {
        line = { level: 0, msg: raw }
      }
      lines.push(line)
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(line)
        }
      }
      nl = buf.indexOf('\n')
    }
  }
  const { logFile } = opts
  if (logFile) void tailFile(logFile, proc, feed)
  else {
    void (async () => {
      const decoder = new TextDecoder()
      for await (const chunk of proc.stdout) feed(decoder.decode(chunk, { stream: true }))
    })()
  }
  const waitForLine = (match: (l: LogLine) => boolean, ms = 10_000) => {
    const seen = lines.find(match)
    if (seen) return Promise.resolve(seen)
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(async () => {
        reject(
          new Error(
            `no matching log line within ${ms} ms; stderr: ${await stderrText}; stdout: ${JSON.stringify(lines)}`,
          ),
        )
      }, ms)
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer)
          resolve(l)
        },
      })
      void proc.exited.then(async (code) => {
        clearTimeout(timer)
        reject(
          new Error(
            `server exited with ${code}; stderr: ${await stderrText}; stdout: ${JSON.stringify(lines)}`,
          ),
        )
      })
    })
  }
  const listening = await waitForLine((l) => l.msg === 'byokey listening')
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode === null) proc.kill(signal)
    return await proc.exited
  }
  return {
    proc,
    url: String(listening['url']),
    lines,
    stderr: () => stderrText,
    waitForLine,
    stop,
    [Symbol.asyncDispose]: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL')
        await proc.exited
      }
    },
  }
}

/** Feeds what is appended to `file` to `feed` until the process exits (polled: files give no events here). */
async function tailFile(file: string, proc: Subprocess, feed: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  let offset = 0
  for (;;) {
    const exited = proc.exitCode !== null
    const f = Bun.file(file)
    if (await f.exists()) {
      const bytes = new Uint8Array(await f.slice(offset).arrayBuffer())
      offset += bytes.byteLength
      if (bytes.byteLength > 0) feed(decoder.decode(bytes, { stream: true }))
    }
    if (exited) return
    await Bun.sleep(20)
  }
}

/** Writes `config` to `dir`/config.yaml and starts `serve` on it with `dir` as BYOKEY_HOME (database there too). */
export function startServerIn(
  dir: TempDir,
  config: string,
  cmd: string[] = SOURCE_CMD,
): Promise<ServerProcess> {
  const file = dir.join('config.yaml')
  writeFileSync(file, config)
  return startServer(['-c', file], { BYOKEY_HOME: dir.path }, cmd)
}

/** None of these secrets appears in what a command printed. */
export function expectNoSecret(r: { stdout: string; stderr: string }, ...secrets: string[]): void {
  expect(secrets.length).toBeGreaterThan(0)
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s)
    expect(r.stderr).not.toContain(s)
  }
}
