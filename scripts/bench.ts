#!/usr/bin/env bun
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
/**
 * Gateway throughput against the floor for any Bun proxy, measured in the same run:
 * a fake upstream, a bare Bun.serve forwarder and byokey, each its own process on 127.0.0.1,
 * driven by wrk (Debian package `wrk`) with the same load. Prints RPS, p50/p99 and the
 * byokey/forwarder ratio per scenario, time to first byte of a spaced-out stream, and byokey's
 * peak RSS under load.
 *
 * Every scenario also runs `bench/minimal-gateway.ts`: only what every request must cost on this
 * stack (Elysia + the TypeBox schema, fetch with abort and timeout, one usage row; translation of
 * plain text only), so its ratio is the ceiling for byokey and the rest of the gap is byokey's own.
 *
 *   bun scripts/bench.ts [--duration 3] [--rounds 3] [--connections 10,64] [--log-level warn] [--only SSE] [--profile]
 *
 * --only keeps the scenarios whose name contains the text (e.g. `passthrough`, `SSE`).
 *
 * --profile runs byokey with Bun's --cpu-prof (profile written to the temp folder it prints).
 */
import { type Subprocess, spawn, spawnSync } from 'bun'
import { waitHealthy } from './bench/wait-healthy.ts'

const root = join(import.meta.dir, '..')
const argOf = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? dflt : (process.argv[i + 1] ?? dflt)
}
const DURATION = Number(argOf('duration', '3'))
const ROUNDS = Number(argOf('rounds', '3'))
const CONNECTIONS = argOf('connections', '10,64').split(',').map(Number)
const LOG_LEVEL = argOf('log-level', 'warn')
const PROFILE = process.argv.includes('--profile')
const ONLY = argOf('only', '')

if (spawnSync(['which', 'wrk']).exitCode !== 0) {
  console.error('wrk is not installed: apt-get install -y wrk')
  process.exit(1)
}

const work = mkdtempSync(join(tmpdir(), 'byokey-bench-'))
const children: Subprocess[] = []
process.on('exit', () => {
  for (const c of children) c.kill()
})

async function startProcess(
  cmd: string[],
  match: RegExp,
  env: Record<string, string> = {},
): Promise<{ url: string; pid: number }> {
  const proc = spawn(cmd, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  })
  children.push(proc)
  const decoder = new TextDecoder()
  const reader = proc.stdout.getReader()
  let buf = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buf += decoder.decode(value)
    const m = match.exec(buf)
    if (m) {
      void (async () => {
        // keep draining so the child never blocks on a full pipe
        while (!(await reader.read()).done) {}
      })()
      return { url: m[1]!, pid: proc.pid }
    }
  }
  throw new Error(`${cmd.join(' ')} exited before it was ready:\n${buf}`)
}

const bun = process.execPath
const upstream = await startProcess([bun, 'scripts/bench/upstream.ts'], /(http:\/\/127\.0\.0\.1:\d+)/)
const forwarder = await startProcess(
  [bun, 'scripts/bench/forwarder.ts', upstream.url],
  /(http:\/\/127\.0\.0\.1:\d+)/,
)
const minimal = await startProcess(
  [bun, 'scripts/bench/minimal-gateway.ts', upstream.url, join(work, 'minimal.db')],
  /(http:\/\/127\.0\.0\.1:\d+)/,
)
const config = join(work, 'config.yaml')
/** A port nobody listens on right now (byokey logs its address at info level, which the bench turns off). */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const port = probe.port!
  probe.stop(true)
  return port
}
const byokeyPort = freePort()
writeFileSync(
  config,
  `port: ${byokeyPort}
upstreams:
  - { name: bench-chat, dialect: openai-chat, base_url: "${upstream.url}/v1", api_key: k, models: [bench-model] }
  - { name: bench-anthropic, dialect: anthropic-messages, base_url: "${upstream.url}", api_key: k }
  - { name: bench-gap, dialect: openai-chat, base_url: "${upstream.url}/gap/20/v1", api_key: k }
`,
)
const byokeyProc = spawn(
  [
    bun,
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${work}`] : []),
    'src/main.ts',
    'serve',
    '-c',
    config,
    '--db',
    join(work, 'bench.db'),
    '--log-level',
    LOG_LEVEL,
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BYOKEY_HOME: work } },
)
children.push(byokeyProc)
const byokey = { url: `http://127.0.0.1:${byokeyPort}`, pid: byokeyProc.pid }
await waitHealthy(byokey.url)

const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: 'bench-chat/bench-model',
    stream,
    messages: [
      { role: 'system', content: 'You are a benchmark.' },
      { role: 'user', content: 'Say hello. '.repeat(60) },
    ],
    metadata: { run: 'bench' },
  })
const anthropicBody = (stream: boolean) =>
  JSON.stringify({
    model: 'bench-chat/bench-model',
    max_tokens: 512,
    stream,
    system: 'You are a benchmark.',
    messages: [{ role: 'user', content: 'Say hello. '.repeat(60) }],
  })

interface Scenario {
  name: string
  /** Path and body sent to byokey. */
  path: string
  body: string
  /** Path and body sent to the forwarder (same upstream answer). */
  floorPath: string
  floorBody: string
  target: number
  /** Also measure the minimal gateway (same path and body as byokey). */
  minimal?: boolean
}

const scenarios: Scenario[] = [
  {
    name: 'passthrough JSON',
    path: '/v1/chat/completions',
    body: chatBody(false),
    floorPath: '/v1/chat/completions',
    floorBody: chatBody(false),
    target: 0.8,
    minimal: true,
  },
  {
    name: 'passthrough SSE',
    path: '/v1/chat/completions',
    body: chatBody(true),
    floorPath: '/v1/chat/completions',
    floorBody: chatBody(true),
    target: 0.7,
    minimal: true,
  },
  {
    name: 'translated JSON (anthropic→chat)',
    path: '/v1/messages',
    body: anthropicBody(false),
    floorPath: '/v1/chat/completions',
    floorBody: chatBody(false),
    target: 0.5,
    minimal: true,
  },
  {
    name: 'translated SSE (anthropic→chat)',
    path: '/v1/messages',
    body: anthropicBody(true),
    floorPath: '/v1/chat/completions',
    floorBody: chatBody(true),
    target: 0.5,
    minimal: true,
  },
]

interface WrkResult {
  rps: number
  p50: string
  p99: string
  errors: string
}

function wrk(url: string, body: string, connections: number, seconds: number): WrkResult {
  const script = join(work, `post-${Bun.hash(body).toString(16)}.lua`)
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer bench"\nwrk.headers["anthropic-version"] = "2023-06-01"\nwrk.body = ${JSON.stringify(body)}\n`,
  )
  const r = spawnSync(['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url])
  const out = r.stdout.toString()
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)
  const p50 = /\s50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?'
  const p99 = /\s99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?'
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1]
  const sock = /Socket errors:[^\n]+/.exec(out)?.[0]
  return { rps, p50, p99, errors: [non2xx ? `${non2xx} non-2xx` : '', sock ?? ''].filter(Boolean).join('; ') }
}

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    return kb / 1024
  } catch {
    return 0
  }
}

let peakRss = rssMb(byokey.pid)
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssMb(byokey.pid))
}, 100)

console.log(
  `upstream ${upstream.url}  forwarder ${forwarder.url}  minimal gateway ${minimal.url}  byokey ${byokey.url} (log level ${LOG_LEVEL})`,
)
console.log(
  `wrk -t1, ${ROUNDS} alternating rounds of ${DURATION}s after a 1s warm-up; a ratio is the median round's RPS over the forwarder's; cpu is the process's CPU µs per request`,
)
console.log(
  'minimal: what every request must cost on this stack (scripts/bench/minimal-gateway.ts), the ceiling for byokey\n',
)
console.log(
  'scenario                              conns   fwd rps   p50/p99         cpu   minimal    cpu  ratio    byokey    p50/p99         cpu  ratio  target  per round',
)
/** CPU time (user + system, all threads) a process has used so far, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100 // utime + stime, in clock ticks of 1/100 s
}

/** One timed wrk run plus the CPU the proxy process spent per request during it. */
type Measured = WrkResult & { cpuPerReq: number }
function measure(url: string, body: string, c: number, pid: number): Measured {
  const before = cpuMicros(pid)
  const r = wrk(url, body, c, DURATION)
  return { ...r, cpuPerReq: (cpuMicros(pid) - before) / Math.max(1, r.rps * DURATION) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const pad = (v: number, n: number, digits = 0) => v.toFixed(digits).padStart(n)

for (const s of scenarios.filter((x) => x.name.includes(ONLY))) {
  for (const c of CONNECTIONS) {
    wrk(forwarder.url + s.floorPath, s.floorBody, c, 1)
    wrk(byokey.url + s.path, s.body, c, 1)
    if (s.minimal) wrk(minimal.url + s.path, s.body, c, 1)
    // Alternating rounds, so a slow spell of this shared machine hits every contender alike.
    const rounds: { floor: Measured; ours: Measured; min?: Measured }[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const floor = measure(forwarder.url + s.floorPath, s.floorBody, c, forwarder.pid)
      const min = s.minimal ? measure(minimal.url + s.path, s.body, c, minimal.pid) : undefined
      const ours = measure(byokey.url + s.path, s.body, c, byokey.pid)
      rounds.push(min ? { floor, ours, min } : { floor, ours })
    }
    const ratio = median(rounds.map((x) => x.ours.rps / x.floor.rps))
    const mid = rounds.find((x) => x.ours.rps / x.floor.rps === ratio)!
    const cpu = (pick: (x: (typeof rounds)[number]) => Measured | undefined) =>
      median(rounds.map((x) => pick(x)?.cpuPerReq ?? 0))
    const minCol = s.minimal
      ? `${pad(median(rounds.map((x) => x.min!.rps)), 9)} ${pad(
          cpu((x) => x.min),
          5,
        )}  ${pad(median(rounds.map((x) => x.min!.rps / x.floor.rps)), 5, 2)}`
      : `${'-'.padStart(9)} ${'-'.padStart(5)}  ${'-'.padStart(5)}`
    const errors = rounds.flatMap((x) => [x.floor.errors, x.min?.errors ?? '', x.ours.errors]).filter(Boolean)
    console.log(
      [
        s.name.padEnd(37),
        String(c).padStart(5),
        `  ${pad(mid.floor.rps, 9)} ${`${mid.floor.p50}/${mid.floor.p99}`.padEnd(15)} ${pad(
          cpu((x) => x.floor),
          5,
        )}`,
        `  ${minCol}`,
        `  ${pad(mid.ours.rps, 9)} ${`${mid.ours.p50}/${mid.ours.p99}`.padEnd(15)} ${pad(
          cpu((x) => x.ours),
          4,
        )}`,
        `  ${pad(ratio, 5, 2)}  ${ratio >= s.target ? '≥' : '<'}${s.target}`,
        `  ${rounds.map((x) => (x.ours.rps / x.floor.rps).toFixed(2)).join(' ')}`,
        errors.length ? `  [${errors.join(' | ')}]` : '',
      ].join(''),
    )
  }
}
clearInterval(sampler)

/** Time to the first body chunk of a stream whose chunks are 20 ms apart: buffering would show here. */
async function ttfb(url: string, body: string, n = 20): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer b' },
      body,
    })
    const reader = res.body!.getReader()
    await reader.read()
    times.push(performance.now() - t0)
    await reader.cancel()
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(n / 2)]!
}
const floorTtfb = await ttfb(`${forwarder.url}/gap/20/v1/chat/completions`, chatBody(true))
const passTtfb = await ttfb(
  `${byokey.url}/v1/chat/completions`,
  chatBody(true).replace('bench-chat/', 'bench-gap/'),
)
console.log(
  `\ntime to first byte (median of 20, stream chunks 20 ms apart): forwarder ${floorTtfb.toFixed(2)} ms, byokey passthrough ${passTtfb.toFixed(2)} ms, difference ${(passTtfb - floorTtfb).toFixed(2)} ms`,
)
console.log(`byokey peak RSS under load: ${peakRss.toFixed(1)} MB (target < 100 MB)`)
if (PROFILE) console.log(`CPU profile: ${work}/*.cpuprofile (written when byokey exits)`)
for (const c of children) c.kill('SIGTERM')
await Bun.sleep(300)
process.exit(0)
