#!/usr/bin/env bun
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
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
 *     [--pad-kb 64,256] [--streams 1000] [--stream-gap 20] [--stream-chunks 150]
 *     [--binary dist/byokey] [--cold-start 15] [--base-binary /tmp/main/dist/byokey] [--skip rows,ttfb]
 *
 * --only keeps the scenarios whose name contains the text (e.g. `passthrough`, `SSE`, `256KB`);
 * `--only cold-start` runs the cold-start part alone (no wrk, forwarder or minimal gateway).
 *
 * --profile runs byokey with Bun's --cpu-prof (profile written to the temp folder it prints).
 *
 * --pad-kb adds agent-sized rows for each size (KiB): passthrough JSON, passthrough SSE and
 * translated SSE with bodies shaped like a coding agent's (`bench/agent-body.ts`: a long system
 * prompt, 40 tool schemas, a history of tool calls and results). Every row prints the latency
 * byokey and the minimal gateway add over the forwarder (median over rounds of the p50 and p99
 * differences, in ms) and byokey's RPS over the minimal gateway's. The minimal gateway's
 * translation keeps text only (tools and tool turns are dropped), so on translated rows it does
 * less than byokey.
 *
 * --streams N opens N streaming requests at once (passthrough Chat) against the forwarder, the
 * minimal gateway and byokey in turn, the upstream sending --stream-chunks events --stream-gap ms
 * apart; prints completed streams, time to first byte p50/p99, peak RSS and CPU of each proxy.
 * Bun's fetch opens at most 256 connections at once, so the proxies and the client
 * (`bench/streams.ts`) start with BUN_CONFIG_MAX_HTTP_REQUESTS=N+16 and byokey with
 * `server.max_upstream_requests: N`; each stream holds two sockets in a proxy, so the open-file
 * limit (`ulimit -n`) must be above 2N + 100 (checked).
 *
 * --binary runs byokey as that compiled binary (`bun run build` writes dist/byokey) instead of
 * `bun src/main.ts`. --cold-start N spawns the binary N times (alternating with --base-binary,
 * when given, for a before/after in the same run) and prints the median time from spawn to the
 * first `/readyz` 200, the RSS 1 s after that (idle; also split into anonymous and file-backed
 * pages), and the CPU time of `byokey status` (`bench/cold-start.ts`).
 * --skip leaves out sections: `rows` (the wrk table), `ttfb`.
 */
import { type Subprocess, spawn, spawnSync } from 'bun'
import { agentChatBody, agentMessagesBody } from './bench/agent-body.ts'
import { coldStartTable, freePort, statusMb } from './bench/cold-start.ts'
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
const PAD_KB = argOf('pad-kb', '').split(',').filter(Boolean).map(Number)
const STREAMS = Number(argOf('streams', '0'))
const STREAM_GAP = Number(argOf('stream-gap', '20'))
const STREAM_CHUNKS = Number(argOf('stream-chunks', '150'))
const BINARY = argOf('binary', '') && resolve(argOf('binary', ''))
const BASE_BINARY = argOf('base-binary', '') && resolve(argOf('base-binary', ''))
const COLD_START = Number(argOf('cold-start', '0'))
const SKIP = argOf('skip', '').split(',')
/** Bun's fetch connection cap for every proxy and the stream client, when many streams are asked for. */
const FETCH_CAP: Record<string, string> = STREAMS
  ? { BUN_CONFIG_MAX_HTTP_REQUESTS: String(STREAMS + 16) }
  : {}
if (ONLY === 'cold-start' && !COLD_START) {
  console.error('--only cold-start needs --cold-start N')
  process.exit(2)
}
if (COLD_START && !BINARY) {
  console.error('--cold-start measures the compiled binary: pass --binary dist/byokey (bun run build)')
  process.exit(2)
}
if (STREAMS) {
  const limit = Number(spawnSync(['sh', '-c', 'ulimit -n']).stdout.toString().trim())
  if (limit < 2 * STREAMS + 100) {
    console.error(
      `--streams ${STREAMS} needs an open-file limit above ${2 * STREAMS + 100} (ulimit -n is ${limit})`,
    )
    process.exit(2)
  }
}

if (ONLY !== 'cold-start' && spawnSync(['which', 'wrk']).exitCode !== 0) {
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
if (ONLY === 'cold-start') {
  await coldStartTable([BINARY, ...(BASE_BINARY ? [BASE_BINARY] : [])], COLD_START, work, upstream.url)
  process.exit(0)
}
const forwarder = await startProcess(
  [bun, 'scripts/bench/forwarder.ts', upstream.url],
  /(http:\/\/127\.0\.0\.1:\d+)/,
  FETCH_CAP,
)
const minimal = await startProcess(
  [bun, 'scripts/bench/minimal-gateway.ts', upstream.url, join(work, 'minimal.db')],
  /(http:\/\/127\.0\.0\.1:\d+)/,
  FETCH_CAP,
)
/** The long spaced-out stream of the many-streams scenario, as a path prefix of the fake upstream. */
const longStream = `/gap/${STREAM_GAP}x${STREAM_CHUNKS}`
const config = join(work, 'config.yaml')
// byokey logs its address at info level, which the bench turns off: it gets a free port instead
const byokeyPort = freePort()
writeFileSync(
  config,
  `port: ${byokeyPort}
${STREAMS ? `server: { max_upstream_requests: ${STREAMS} }\n` : ''}upstreams:
  - { name: bench-chat, dialect: openai-chat, base_url: "${upstream.url}/v1", api_key: k, models: [bench-model] }
  - { name: bench-anthropic, dialect: anthropic-messages, base_url: "${upstream.url}", api_key: k }
  - { name: bench-gap, dialect: openai-chat, base_url: "${upstream.url}/gap/20/v1", api_key: k }
  - { name: bench-long, dialect: openai-chat, base_url: "${upstream.url}${longStream}/v1", api_key: k }
`,
)
const byokeyProc = spawn(
  [
    ...(BINARY
      ? [BINARY]
      : [bun, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${work}`] : []), 'src/main.ts']),
    'serve',
    '-c',
    config,
    '--db',
    join(work, 'bench.db'),
    '--log-level',
    LOG_LEVEL,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...FETCH_CAP, BYOKEY_HOME: work },
  },
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
  ...PAD_KB.flatMap((kb): Scenario[] => {
    const chat = (stream: boolean) => agentChatBody(kb, 'bench-chat/bench-model', stream)
    return [
      {
        name: `passthrough JSON ${kb}KB`,
        path: '/v1/chat/completions',
        body: chat(false),
        floorPath: '/v1/chat/completions',
        floorBody: chat(false),
        target: 0.8,
        minimal: true,
      },
      {
        name: `passthrough SSE ${kb}KB`,
        path: '/v1/chat/completions',
        body: chat(true),
        floorPath: '/v1/chat/completions',
        floorBody: chat(true),
        target: 0.8,
        minimal: true,
      },
      {
        name: `translated SSE ${kb}KB (anthropic→chat)`,
        path: '/v1/messages',
        body: agentMessagesBody(kb, 'bench-chat/bench-model', true),
        floorPath: '/v1/chat/completions',
        floorBody: chat(true),
        target: 0.5,
        minimal: true,
      },
    ]
  }),
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

/** A wrk latency (`812.00us`, `1.20ms`, `2.01s`) in ms. */
function latencyMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text)
  if (!m) return Number.NaN
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm']
}

const rssMb = (pid: number) => statusMb(pid)

let peakRss = rssMb(byokey.pid)
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, rssMb(byokey.pid))
}, 100)

console.log(
  `upstream ${upstream.url}  forwarder ${forwarder.url}  minimal gateway ${minimal.url}  byokey ${byokey.url} (log level ${LOG_LEVEL})`,
)
console.log(
  `wrk -t1, ${ROUNDS} alternating rounds of ${DURATION}s after a 1s warm-up; a ratio is the median round's RPS over the forwarder's (/min: byokey's over the minimal gateway's); cpu is the process's CPU µs per request; +p50/+p99: latency added over the forwarder, median of the rounds' differences`,
)
console.log(
  'minimal: what every request must cost on this stack (scripts/bench/minimal-gateway.ts), the ceiling for byokey\n',
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

/** The latency a proxy adds over the forwarder: median over rounds of the p50 and p99 differences, in ms. */
function added(rounds: { floor: Measured; proxy: Measured }[]): string {
  const diff = (pick: (m: Measured) => string) =>
    median(rounds.map((x) => latencyMs(pick(x.proxy)) - latencyMs(pick(x.floor))))
  return `${diff((m) => m.p50).toFixed(2)}/${diff((m) => m.p99).toFixed(2)}`
}

if (!SKIP.includes('rows')) {
  console.log(
    'scenario                              conns   fwd rps   p50/p99         cpu   minimal    cpu  ratio  +p50/+p99ms   byokey    p50/p99         cpu  ratio  target  /min  +p50/+p99ms  per round',
  )
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
          )}  ${pad(median(rounds.map((x) => x.min!.rps / x.floor.rps)), 5, 2)}  ${added(
            rounds.map((x) => ({ floor: x.floor, proxy: x.min! })),
          ).padStart(11)}`
        : `${'-'.padStart(9)} ${'-'.padStart(5)}  ${'-'.padStart(5)}  ${'-'.padStart(11)}`
      const toMinimal = s.minimal ? pad(median(rounds.map((x) => x.ours.rps / x.min!.rps)), 4, 2) : '   -'
      const errors = rounds
        .flatMap((x) => [x.floor.errors, x.min?.errors ?? '', x.ours.errors])
        .filter(Boolean)
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
          `  ${toMinimal}  ${added(rounds.map((x) => ({ floor: x.floor, proxy: x.ours }))).padStart(11)}`,
          `  ${rounds.map((x) => (x.ours.rps / x.floor.rps).toFixed(2)).join(' ')}`,
          errors.length ? `  [${errors.join(' | ')}]` : '',
        ].join(''),
      )
    }
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
if (!SKIP.includes('ttfb')) {
  const floorTtfb = await ttfb(`${forwarder.url}/gap/20/v1/chat/completions`, chatBody(true))
  const passTtfb = await ttfb(
    `${byokey.url}/v1/chat/completions`,
    chatBody(true).replace('bench-chat/', 'bench-gap/'),
  )
  console.log(
    `\ntime to first byte (median of 20, stream chunks 20 ms apart): forwarder ${floorTtfb.toFixed(2)} ms, byokey passthrough ${passTtfb.toFixed(2)} ms, difference ${(passTtfb - floorTtfb).toFixed(2)} ms`,
  )
}
if (!SKIP.includes('rows'))
  console.log(`byokey peak RSS under load: ${peakRss.toFixed(1)} MB (target < 100 MB)`)

/** What one proxy did with STREAMS streams open at once. */
interface StreamsResult {
  completed: number
  n: number
  ttfbP50: number
  ttfbP99: number
  ttfbMax: number
  wallMs: number
  errors: Record<string, number>
}

/** STREAMS concurrent streams through one proxy, with its idle and peak RSS and its CPU time over the run. */
async function manyStreams(url: string, body: string, pid: number) {
  const bodyFile = join(work, `streams-${Bun.hash(body).toString(16)}.json`)
  writeFileSync(bodyFile, body)
  Bun.gc(true)
  const idle = rssMb(pid)
  let peak = idle
  const sampling = setInterval(() => {
    peak = Math.max(peak, rssMb(pid))
  }, 50)
  const cpu0 = cpuMicros(pid)
  const client = spawn([bun, 'scripts/bench/streams.ts', url, bodyFile, String(STREAMS), '[DONE]'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...FETCH_CAP },
  })
  const out = await new Response(client.stdout).text()
  await client.exited
  clearInterval(sampling)
  const cpuS = (cpuMicros(pid) - cpu0) / 1e6
  return { ...(JSON.parse(out) as StreamsResult), idle, peak, cpuS }
}

if (STREAMS) {
  const minimalLong = await startProcess(
    [bun, 'scripts/bench/minimal-gateway.ts', upstream.url + longStream, join(work, 'minimal-long.db')],
    /(http:\/\/127\.0\.0\.1:\d+)/,
    FETCH_CAP,
  )
  console.log(
    `\n${STREAMS} concurrent streams, ${STREAM_CHUNKS} chunks ${STREAM_GAP} ms apart (passthrough Chat; BUN_CONFIG_MAX_HTTP_REQUESTS=${FETCH_CAP.BUN_CONFIG_MAX_HTTP_REQUESTS}, byokey server.max_upstream_requests: ${STREAMS})`,
  )
  console.log(
    'proxy            completed   ttfb p50/p99/max ms     wall s   idle RSS MB   peak RSS MB   CPU s   errors',
  )
  const contenders: [string, () => Promise<Awaited<ReturnType<typeof manyStreams>>>][] = [
    [
      'forwarder',
      () => manyStreams(`${forwarder.url}${longStream}/v1/chat/completions`, chatBody(true), forwarder.pid),
    ],
    [
      'minimal gateway',
      () => manyStreams(`${minimalLong.url}/v1/chat/completions`, chatBody(true), minimalLong.pid),
    ],
    [
      'byokey',
      () =>
        manyStreams(
          `${byokey.url}/v1/chat/completions`,
          chatBody(true).replace('bench-chat/', 'bench-long/'),
          byokey.pid,
        ),
    ],
  ]
  for (const [name, run] of contenders) {
    const r = await run()
    console.log(
      [
        name.padEnd(15),
        `${r.completed}/${r.n}`.padStart(10),
        `${r.ttfbP50.toFixed(1)}/${r.ttfbP99.toFixed(1)}/${r.ttfbMax.toFixed(1)}`.padStart(20),
        (r.wallMs / 1000).toFixed(2).padStart(10),
        r.idle.toFixed(1).padStart(13),
        r.peak.toFixed(1).padStart(13),
        r.cpuS.toFixed(2).padStart(7),
        `   ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : ''}`,
      ].join(''),
    )
  }
}

if (COLD_START) {
  for (const c of children) c.kill('SIGTERM')
  await coldStartTable([BINARY, ...(BASE_BINARY ? [BASE_BINARY] : [])], COLD_START, work, upstream.url)
}
if (PROFILE) console.log(`CPU profile: ${work}/*.cpuprofile (written when byokey exits)`)
for (const c of children) c.kill('SIGTERM')
await Bun.sleep(300)
process.exit(0)
