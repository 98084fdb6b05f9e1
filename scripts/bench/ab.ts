#!/usr/bin/env bun
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
/**
 * A/B of two byokey builds or settings on one fake upstream: alternating wrk rounds (so a slow
 * spell of a shared machine hits both alike), each side's CPU µs per request and RPS per round,
 * and the median of the per-round B/A ratios. This is how a change of a few percent is told from
 * noise; `npm run bench` compares against a floor, this compares two versions of byokey.
 *
 *   bun scripts/bench/ab.ts [--path /v1/chat/completions] [--body chat|chat-stream|messages|messages-stream]
 *     [--rounds 10] [--duration 3] [--a-root DIR] [--b-root DIR] [--a-env K=V,…] [--b-env K=V,…]
 *     [--a-server 'usage_flush_ms: 250'] [--b-server …]   (server settings; defaults otherwise)
 *     [--b-key]   (B gets a gateway key and every request sends it; A ignores the header)
 *     [--pad-kb 256]   (the body shaped like a coding agent's, of that many KiB: see agent-body.ts)
 *     [--settle 5]   (then both sides idle that many seconds, and their RSS is printed)
 *     [--a-binary PATH] [--b-binary PATH]   (that side runs a compiled byokey instead of bun src/main.ts)
 *
 * `--a-root`: another checkout to run as A (e.g. `git worktree add /tmp/base main`, with
 * node_modules linked in); both default to this one. Needs wrk (apt-get install wrk).
 */
import { spawn, spawnSync } from 'bun'
import { agentChatBody, agentMessagesBody } from './agent-body.ts'
import { originFrom } from './origin.ts'
import { waitHealthy } from './wait-healthy.ts'

const argOf = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? dflt : (process.argv[i + 1] ?? dflt)
}
const here = join(import.meta.dir, '../..')
const ROUNDS = Number(argOf('rounds', '10'))
const DURATION = Number(argOf('duration', '3'))
const BODY = argOf('body', 'chat')
const PATH = argOf('path', BODY.startsWith('messages') ? '/v1/messages' : '/v1/chat/completions')

const bodies: Record<string, object> = {
  chat: {
    model: 'bench-chat/bench-model',
    messages: [
      { role: 'system', content: 'You are a benchmark.' },
      { role: 'user', content: 'Say hello. '.repeat(60) },
    ],
  },
  messages: {
    model: 'bench-chat/bench-model',
    max_tokens: 512,
    system: 'You are a benchmark.',
    messages: [{ role: 'user', content: 'Say hello. '.repeat(60) }],
  },
}
const PAD_KB = Number(argOf('pad-kb', '0'))
const STREAM = BODY.endsWith('-stream')
const body = PAD_KB
  ? (BODY.startsWith('messages') ? agentMessagesBody : agentChatBody)(
      PAD_KB,
      'bench-chat/bench-model',
      STREAM,
    )
  : JSON.stringify({ ...bodies[BODY.replace('-stream', '')], stream: STREAM })

const bun = process.execPath
const work = mkdtempSync(join(tmpdir(), 'byokey-ab-'))
const upstream = spawn([bun, 'scripts/bench/upstream.ts'], { cwd: here, stdout: 'pipe' })
const upstreamUrl = await originFrom(upstream.stdout)

/** B's gateway key, when `--b-key`: made in B's database before it starts. */
let gatewayKey: string | undefined

function start(side: 'a' | 'b') {
  const port = 20000 + Math.floor(Math.random() * 20000)
  const dir = join(work, side) // each side its own control socket
  mkdirSync(dir)
  if (side === 'b' && process.argv.includes('--b-key')) {
    const made = spawnSync(
      [bun, 'src/main.ts', 'keys', 'create', '--name', 'bench', '--db', join(dir, 'b.db')],
      {
        cwd: argOf('b-root', here),
      },
    )
    gatewayKey = made.stdout.toString().trim()
  }
  const server = argOf(`${side}-server`, '')
  writeFileSync(
    join(dir, 'config.yaml'),
    `port: ${port}\n${server ? `server: { ${server} }\n` : ''}upstreams:\n  - { name: bench-chat, dialect: openai-chat, base_url: "${upstreamUrl}/v1", api_key: k, models: [bench-model] }\n`,
  )
  const env = Object.fromEntries(
    argOf(`${side}-env`, '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  )
  const binary = argOf(`${side}-binary`, '')
  const proc = spawn(
    [
      ...(binary ? [resolve(binary)] : [bun, 'src/main.ts']),
      'serve',
      '-c',
      join(dir, 'config.yaml'),
      '--db',
      join(dir, 'b.db'),
      '--log-level',
      'warn',
    ],
    {
      cwd: argOf(`${side}-root`, here),
      stdout: 'ignore',
      stderr: 'inherit',
      env: { ...process.env, BYOKEY_HOME: dir, ...env },
    },
  )
  return { url: `http://127.0.0.1:${port}`, proc }
}
const A = start('a')
const B = start('b')
await waitHealthy(A.url)
await waitHealthy(B.url)

const lua = join(work, 'post.lua')
writeFileSync(
  lua,
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["anthropic-version"] = "2023-06-01"\n${gatewayKey ? `wrk.headers["Authorization"] = "Bearer ${gatewayKey}"\n` : ''}wrk.body = ${JSON.stringify(body)}\n`,
)
/** CPU time (user + system, all threads) of a process so far, in microseconds. */
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 1e4
}
/** Peak resident memory of a process so far, in MiB. */
const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
/** Resident memory of a process now, in MiB. */
const rss = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
/** wrk's latency percentile line (`50%  1.23ms`) in ms. */
function latencyMs(out: string, pct: string): number {
  const m = new RegExp(`\\s${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
  if (!m) return Number.NaN
  return Number(m[1]) * (m[2] === 'us' ? 1e-3 : m[2] === 's' ? 1e3 : 1)
}
function run(side: typeof A, seconds: number): { rps: number; cpu: number; p50: number; p99: number } {
  const before = cpu(side.proc.pid)
  const out = spawnSync([
    'wrk',
    '-t1',
    '-c10',
    `-d${seconds}s`,
    '--latency',
    '-s',
    lua,
    side.url + PATH,
  ]).stdout.toString()
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)
  return {
    rps,
    cpu: (cpu(side.proc.pid) - before) / Math.max(1, rps * seconds),
    p50: latencyMs(out, '50'),
    p99: latencyMs(out, '99'),
  }
}

run(A, 1)
run(B, 1)
const cpuRatio: number[] = []
const rpsRatio: number[] = []
const p50Diff: number[] = []
const p99Diff: number[] = []
const cpuUs: { a: number[]; b: number[] } = { a: [], b: [] }
for (let r = 0; r < ROUNDS; r++) {
  // which side goes first alternates too
  const [a, b] = r % 2 === 0 ? [run(A, DURATION), run(B, DURATION)] : [undefined, run(B, DURATION)]
  const aa = a ?? run(A, DURATION)
  cpuRatio.push(b.cpu / aa.cpu)
  rpsRatio.push(b.rps / aa.rps)
  p50Diff.push(b.p50 - aa.p50)
  p99Diff.push(b.p99 - aa.p99)
  cpuUs.a.push(aa.cpu)
  cpuUs.b.push(b.cpu)
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!
const show = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ')
console.log(`${PATH} ${BODY}, ${body.length} bytes, ${ROUNDS} rounds of ${DURATION}s`)
console.log(`B/A CPU per request: median ${median(cpuRatio).toFixed(3)}  [${show(cpuRatio)}]`)
console.log(`B/A requests/second: median ${median(rpsRatio).toFixed(3)}  [${show(rpsRatio)}]`)
console.log(
  `CPU µs per request: A median ${median(cpuUs.a).toFixed(0)}, B median ${median(cpuUs.b).toFixed(0)}`,
)
console.log(`B−A latency p50: median ${median(p50Diff).toFixed(3)} ms  [${show(p50Diff)}]`)
console.log(`B−A latency p99: median ${median(p99Diff).toFixed(3)} ms  [${show(p99Diff)}]`)
console.log(`peak RSS: A ${peakRss(A.proc.pid).toFixed(0)} MiB, B ${peakRss(B.proc.pid).toFixed(0)} MiB`)
const SETTLE = Number(argOf('settle', '0'))
if (SETTLE > 0) {
  await Bun.sleep(SETTLE * 1000)
  console.log(
    `RSS after ${SETTLE} s idle: A ${rss(A.proc.pid).toFixed(1)} MiB, B ${rss(B.proc.pid).toFixed(1)} MiB`,
  )
}
A.proc.kill()
B.proc.kill()
upstream.kill()
process.exit(0)
