#!/usr/bin/env bun
/**
 * The client of the many-streams scenario: opens N streaming requests at once, reads each to its
 * end, and prints one JSON line: how many completed (status 200 and the stream's last event
 * seen), and the time to first body byte (p50, p99, max) in ms.
 *
 *   BUN_CONFIG_MAX_HTTP_REQUESTS=N+16 bun streams.ts <url> <body file> <N> <last event marker>
 *
 * Bun's fetch opens at most 256 connections at once unless BUN_CONFIG_MAX_HTTP_REQUESTS is set
 * when the process starts, which is why this runs as its own process.
 */
import { readFileSync } from 'node:fs'

const [url, bodyFile, count, marker] = process.argv.slice(2) as [string, string, string, string]
const body = readFileSync(bodyFile, 'utf8')
const n = Number(count)
const end = new TextEncoder().encode(marker)

/** Whether `tail` ends a stream: the marker is among its last bytes. */
const endsWith = (tail: Uint8Array) => Buffer.from(tail).includes(end)

async function one(): Promise<{ ok: boolean; ttfb: number; error?: string }> {
  const t0 = performance.now()
  let ttfb = Number.NaN
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer bench',
        'anthropic-version': '2023-06-01',
      },
      body,
    })
    const reader = res.body!.getReader()
    let last = new Uint8Array(0)
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (Number.isNaN(ttfb)) ttfb = performance.now() - t0
      // the marker may straddle two reads
      last = last.length ? Buffer.concat([last.subarray(-end.length), value]) : value
    }
    return {
      ok: res.status === 200 && endsWith(last),
      ttfb,
      error: res.status === 200 ? undefined : `${res.status}`,
    }
  } catch (e) {
    return { ok: false, ttfb, error: (e as Error).message }
  }
}

const t0 = performance.now()
const results = await Promise.all(Array.from({ length: n }, one))
const wall = performance.now() - t0
const ttfbs = results
  .map((r) => r.ttfb)
  .filter((x) => !Number.isNaN(x))
  .sort((a, b) => a - b)
const at = (q: number) => ttfbs[Math.min(ttfbs.length - 1, Math.floor(q * ttfbs.length))] ?? Number.NaN
const errors = new Map<string, number>()
for (const r of results) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1)
console.log(
  JSON.stringify({
    completed: results.filter((r) => r.ok).length,
    n,
    ttfbP50: at(0.5),
    ttfbP99: at(0.99),
    ttfbMax: ttfbs.at(-1) ?? Number.NaN,
    wallMs: wall,
    errors: Object.fromEntries(errors),
  }),
)
process.exit(0)
