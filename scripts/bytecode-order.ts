/**
 * Records `scripts/byokey.order`, the profile `--bytecode-order` lays the executable's bytecode
 * out by: the functions a start of `byokey serve` and its first requests run go together at the
 * front, so a start reads and decodes less of the 4–5 MB bundle (idle RSS and cold start).
 *
 * The profile is committed, so builds stay reproducible and need no server; functions are matched
 * by a hash of their syntax, so an older profile still applies (changed functions go right after
 * the recorded ones). Re-record after large changes: `bun scripts/build.ts --record-order`.
 *
 * The recording run: the binary built without a profile serves on 127.0.0.1 with its home in a
 * temp dir and the bench's fake upstream; it answers `/readyz`, a Chat call, a Chat stream and a
 * translated Messages stream, then stops on SIGTERM, when Bun writes the profile. It logs at the
 * default level (info) and its config file is readable by others, so the start warns as a start
 * from a hand-written config does: a function a start runs but the profile lacks is laid out among
 * the cold ones and maps a page-cache window of its own (recorded at `warn` with a private config,
 * those ~20 functions cost ~1 MB of idle RSS to a start that warns).
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'bun'
import { originFrom } from './bench/origin.ts'
import { waitHealthy } from './bench/wait-healthy.ts'

export const ORDER_FILE = join(import.meta.dir, 'byokey.order')

const chat = (stream: boolean) => ({
  model: 'bench-chat/bench-model',
  stream,
  messages: [{ role: 'user', content: 'Say hello.' }],
})
const FIRST_CALLS: Array<[path: string, body: object]> = [
  ['/v1/chat/completions', chat(false)],
  ['/v1/chat/completions', chat(true)],
  [
    '/v1/messages',
    { model: 'bench-chat/bench-model', max_tokens: 64, stream: true, messages: chat(false).messages },
  ],
]

/** A port nobody listens on now. */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port as number
  probe.stop(true)
  return port
}

/** Runs `binary` as described above, writing the profile to `out`. */
export async function recordOrder(binary: string, out = ORDER_FILE): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'byokey-order-'))
  const upstream = spawn([process.execPath, join(import.meta.dir, 'bench/upstream.ts')], { stdout: 'pipe' })
  try {
    const upstreamUrl = await originFrom(upstream.stdout)
    const port = freePort()
    const config = join(home, 'config.yaml')
    writeFileSync(
      config,
      `port: ${port}\nupstreams:\n  - { name: bench-chat, dialect: openai-chat, base_url: "${upstreamUrl}/v1", api_key: k, models: [bench-model] }\n`,
      { mode: 0o644 },
    )
    rmSync(out, { force: true })
    const env = { ...process.env, HOME: home, BYOKEY_HOME: home, XDG_CONFIG_HOME: home }
    const server = spawn(
      [binary, 'serve', '-c', config, '--db', join(home, 'byokey.db'), '--log-level', 'info'],
      { cwd: home, env: { ...env, BUN_BYTECODE_ORDER_OUT: out }, stdio: ['ignore', 'ignore', 'inherit'] },
    )
    try {
      const url = `http://127.0.0.1:${port}`
      await waitHealthy(url)
      if ((await fetch(`${url}/readyz`)).status !== 200) throw new Error('the recording server is not ready')
      for (const [path, body] of FIRST_CALLS) {
        const res = await fetch(url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify(body),
        })
        await res.text()
        if (res.status !== 200) throw new Error(`recording: ${path} answered ${res.status}`)
      }
    } finally {
      server.kill('SIGTERM')
      await server.exited
    }
    if (statSync(out, { throwIfNoEntry: false })?.size === undefined)
      throw new Error('the binary exited without writing its bytecode order')
  } finally {
    upstream.kill()
    rmSync(home, { recursive: true, force: true })
  }
}
