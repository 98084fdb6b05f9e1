/**
 * Cold start of compiled binaries: each run spawns `serve` with its home in a fresh temp dir,
 * times spawn → the first `/readyz` 200, reads the RSS 1 s later (idle: the resident set split
 * into anonymous pages, the JS heap and malloc, and file-backed ones, Bun's machine code and the
 * bundle) and the CPU time of `byokey status`. Several binaries alternate run by run, so a slow
 * spell of a shared machine hits each alike. `bench.ts --cold-start N` prints this table.
 *
 * Each binary runs from a fresh copy in the temp dir: how much of a binary's file a start maps
 * depends on how its pages sit in the page cache (on Linux 6.18 the same binary idled 44.9 MB as
 * a file written an hour before and 47.9 MB as a fresh copy of it), so every side starts from the
 * same state, that of a binary just installed.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { spawn, spawnSync } from 'bun'

/** One cold start: ms to ready, idle RSS and its two parts in MB, `status` CPU in ms. */
export interface ColdStart {
  readyMs: number
  idleMb: number
  anonMb: number
  fileMb: number
  statusCpuMs: number
}

/** A field of `/proc/<pid>/status` given in kB (`VmRSS`, `RssAnon`, `RssFile`), in MB; 0 once it is gone. */
export function statusMb(pid: number, field = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const port = probe.port as number
  probe.stop(true)
  return port
}

/** One cold start of `binary` in a temp dir under `work`, its one upstream at `upstreamUrl`. */
export async function coldStart(binary: string, work: string, upstreamUrl: string): Promise<ColdStart> {
  const dir = mkdtempSync(join(work, 'cold-'))
  const port = freePort()
  const cfg = join(dir, 'config.yaml')
  writeFileSync(
    cfg,
    `port: ${port}\nupstreams:\n  - { name: bench-chat, dialect: openai-chat, base_url: "${upstreamUrl}/v1", api_key: k, models: [bench-model] }\n`,
  )
  const env = { ...process.env, BYOKEY_HOME: dir, HOME: dir, XDG_CONFIG_HOME: dir }
  const t0 = performance.now()
  const proc = spawn([binary, 'serve', '-c', cfg, '--db', join(dir, 'b.db'), '--log-level', 'warn'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  })
  try {
    let readyMs = Number.NaN
    for (let i = 0; i < 5000 && Number.isNaN(readyMs); i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) readyMs = performance.now() - t0
      } catch {
        await Bun.sleep(1)
      }
    }
    await Bun.sleep(1000)
    const idle = {
      idleMb: statusMb(proc.pid),
      anonMb: statusMb(proc.pid, 'RssAnon'),
      fileMb: statusMb(proc.pid, 'RssFile'),
    }
    const status = spawnSync([binary, 'status', '--db', join(dir, 'b.db')], { cwd: dir, env })
    return { readyMs, ...idle, statusCpuMs: Number(status.resourceUsage.cpuTime.total) / 1000 }
  } finally {
    proc.kill()
    await proc.exited
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/** `runs` alternating cold starts of each binary (after one unmeasured start), then one line each of medians. */
export async function coldStartTable(
  binaries: string[],
  runs: number,
  work: string,
  upstreamUrl: string,
): Promise<void> {
  const copies = binaries.map((b, i) => {
    const copy = join(work, `bin-${i}-${basename(b)}`)
    copyFileSync(b, copy)
    chmodSync(copy, 0o755)
    return copy
  })
  const results = new Map<string, ColdStart[]>(binaries.map((b) => [b, []]))
  try {
    // the first start pays for reading the binary from disk
    for (const c of copies) await coldStart(c, work, upstreamUrl)
    for (let i = 0; i < runs; i++) {
      for (const [j, b] of binaries.entries())
        results.get(b)?.push(await coldStart(copies[j] as string, work, upstreamUrl))
    }
  } finally {
    for (const c of copies) rmSync(c, { force: true })
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  console.log(
    `\ncold start, median of ${runs} alternating runs (compiled binary, spawn to the first /readyz 200; idle: RSS 1 s later; load ${load})`,
  )
  console.log(
    'binary                                              ready ms   (min–max)     idle RSS MB   anon MB   file MB   status CPU ms',
  )
  for (const [b, rs] of results) {
    const ready = rs.map((r) => r.readyMs)
    /** The median of one field over the runs, right-aligned in `width` columns. */
    const column = (field: keyof ColdStart, width: number) =>
      median(rs.map((r) => r[field]))
        .toFixed(1)
        .padStart(width)
    console.log(
      [
        b.padEnd(50),
        column('readyMs', 10),
        `  (${Math.min(...ready).toFixed(1)}–${Math.max(...ready).toFixed(1)})`.padEnd(16),
        column('idleMb', 12),
        column('anonMb', 10),
        column('fileMb', 10),
        column('statusCpuMs', 16),
      ].join(''),
    )
  }
}
