/**
 * What a start does not need is not evaluated at start: the command line's whole module graph is
 * loaded without pretty logs, the price table or prom-client (each is loaded at first use, and the
 * compiled binary test uses them), which saves ~15 ms of every cold start of the binary.
 */
import { expect, test } from 'bun:test'
import { join } from 'node:path'

test('loading the command line evaluates neither pino-pretty, the price table nor prom-client', () => {
  const cli = join(import.meta.dir, '..', '..', 'src', 'cli', 'index.ts')
  const r = Bun.spawnSync(
    [
      process.execPath,
      '-e',
      `await import(${JSON.stringify(cli)})
       const loaded = Object.keys(require.cache)
       console.log(JSON.stringify({
         total: loaded.length,
         lazy: loaded.filter((k) => /node_modules\\/(pino-pretty|@pydantic\\/genai-prices|prom-client)\\//.test(k)),
       }))`,
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  expect(r.stderr.toString()).toBe('')
  const { total, lazy } = JSON.parse(r.stdout.toString()) as { total: number; lazy: string[] }
  expect(total).toBeGreaterThan(100) // the graph was loaded, so the list below means something
  expect(lazy).toEqual([])
})
