/**
 * `byokey serve` with `coordination: { kind: redis }` and the URL (with its password) in
 * BYOKEY_REDIS_URL, on a real Redis that asks for the password: shared at start, one warning
 * and the metric at 0 when Redis stops, requests still answered, shared again when it is back;
 * the password in no line it prints.
 */
import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { runCli, startServer } from '../helpers/process.ts'
import { hasRedis, type RedisServer, requireServers, startRedis } from '../helpers/servers.ts'
import { type TempDir, tempDir, waitFor } from '../helpers/tmp.ts'

requireServers({ redis: true })

const PASSWORD = 'redis-Pa55word-never-logged'

/** Makes a (re)started Redis ask for the password, as a production one would. */
async function requirePassword(redis: RedisServer): Promise<void> {
  const admin = new Bun.RedisClient(redis.url)
  try {
    await admin.send('CONFIG', ['SET', 'requirepass', PASSWORD])
  } finally {
    admin.close()
  }
}

/** `serve` on a config that asks for Redis and names no URL: it comes from the environment. */
function serveOnRedis(dir: TempDir, env: Record<string, string>) {
  const file = dir.join('config.yaml')
  writeFileSync(file, 'port: 0\nmodel_lists:\n  enabled: false\ncoordination:\n  kind: redis\n')
  return startServer(['-c', file], { BYOKEY_HOME: dir.path, ...env })
}

async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{kind="redis"} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe.skipIf(!hasRedis)('serve on Redis coordination', () => {
  test('lost and back: a warning, the metric, requests answered all along; no password printed', async () => {
    await using redis = await startRedis()
    await requirePassword(redis)
    using dir = tempDir()
    const env = { BYOKEY_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` }
    const server = await serveOnRedis(dir, env)
    try {
      // a loaded machine may miss the first connect's timeout: then it joins moments later
      await waitFor(async () => (await metric(server.url, 'byokey_coordination_shared')) === 1, 15_000, 50)
      expect(await metric(server.url, 'byokey_coordination_losses_total')).toBe(0)

      await redis.stop()
      const lost = await server.waitForLine((l) => String(l.msg).startsWith('coordination: lost Redis'))
      expect(lost.level).toBe(40) // warn
      expect(await metric(server.url, 'byokey_coordination_shared')).toBe(0)
      expect(await metric(server.url, 'byokey_coordination_losses_total')).toBe(1)
      expect((await fetch(`${server.url}/v1/models`)).status).toBe(200)

      await redis.start()
      await requirePassword(redis)
      await server.waitForLine((l) => l.msg === 'coordination: Redis is back; shared again', 20_000)
      expect(await metric(server.url, 'byokey_coordination_shared')).toBe(1)
      expect(await metric(server.url, 'byokey_coordination_losses_total')).toBe(1)
      expect(server.lines.filter((l) => String(l.msg).startsWith('coordination: lost'))).toHaveLength(1)
    } finally {
      expect(await server.stop()).toBe(0)
      const printed = JSON.stringify(server.lines) + (await server.stderr())
      expect(printed).not.toContain(PASSWORD)
      await server[Symbol.asyncDispose]()
    }
  })

  test('Redis unreachable at start: serves, warns, and says so in the metric', async () => {
    await using redis = await startRedis()
    await redis.stop()
    using dir = tempDir()
    const server = await serveOnRedis(dir, {
      BYOKEY_REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
    })
    try {
      await server.waitForLine((l) => String(l.msg).startsWith('coordination: Redis cannot be reached'))
      expect(await metric(server.url, 'byokey_coordination_shared')).toBe(0)
      await redis.start()
      await requirePassword(redis)
      await waitFor(async () => (await metric(server.url, 'byokey_coordination_shared')) === 1, 20_000, 100)
    } finally {
      await server.stop()
      expect(JSON.stringify(server.lines) + (await server.stderr())).not.toContain(PASSWORD)
      await server[Symbol.asyncDispose]()
    }
  })

  test('kind redis without a URL: refuses to start, saying what to set', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    await Bun.write(file, 'port: 0\ncoordination:\n  kind: redis\n')
    const r = await runCli(['serve', '-c', file], { BYOKEY_HOME: dir.path, BYOKEY_REDIS_URL: '' })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('coordination.kind is redis: set coordination.url or BYOKEY_REDIS_URL')
  })
})
