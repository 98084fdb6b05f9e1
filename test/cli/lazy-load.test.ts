/**
 * What a start does not need is not evaluated at start (each saves milliseconds of every cold
 * start of the compiled binary): the command table loads a command's module only when it runs,
 * and the server's whole module graph is loaded without pretty logs, the price table or
 * prom-client (each loaded at first use; the compiled binary test prices a row and scrapes
 * /metrics), nor the PostgreSQL store, the Redis coordination, the log rotation or the OpenAPI
 * document when the config does not ask for them (each also memory of every idle gateway).
 */
import { expect, test } from 'bun:test'
import { join } from 'node:path'

const src = join(import.meta.dir, '..', '..', 'src')

/** The files a fresh process has evaluated after importing `entry`. */
function loadedBy(entry: string): string[] {
  const r = Bun.spawnSync(
    [
      process.execPath,
      '-e',
      `await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)))`,
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  expect(r.stderr.toString()).toBe('')
  return JSON.parse(r.stdout.toString()) as string[]
}

test('serving evaluates neither pino-pretty, the price table nor prom-client', () => {
  const loaded = loadedBy(join(src, 'cli', 'serve.ts'))
  expect(loaded.some((f) => f.includes('/node_modules/elysia/'))).toBe(true) // the server's graph was loaded
  expect(
    loaded.filter((f) => /\/node_modules\/(pino-pretty|@pydantic\/genai-prices|prom-client)\//.test(f)),
  ).toEqual([])
})

test('serving on SQLite with local coordination and logs on stderr evaluates no other backend', () => {
  const loaded = loadedBy(join(src, 'cli', 'serve.ts'))
  expect(loaded.some((f) => f.includes(join('src', 'store', 'sqlite')))).toBe(true) // the server's graph was loaded
  expect(
    loaded.filter((f) =>
      /\/src\/store\/postgres\/|\/src\/coordination\/redis\/|\/src\/server\/openapi\.ts$|\/node_modules\/rotating-file-stream\//.test(
        f,
      ),
    ),
  ).toEqual([])
})

test('the command table loads no command until one runs', () => {
  const loaded = loadedBy(join(src, 'cli', 'index.ts'))
  expect(loaded.some((f) => f.endsWith(join('src', 'cli', 'help.ts')))).toBe(true)
  expect(loaded.filter((f) => /\/src\/(server|gateway|oauth|providers|store)\//.test(f))).toEqual([])
})
