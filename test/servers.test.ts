import { describe, expect, test } from 'bun:test'
import { hasPostgres, hasRedis, requireServers, startPostgres, startRedis } from './helpers/servers.ts'

requireServers({ postgres: true, redis: true })

describe.skipIf(!hasPostgres)('the PostgreSQL test server', () => {
  test('answers, stops, comes back with its data', async () => {
    await using pg = await startPostgres()
    const sql = new Bun.SQL(pg.url)
    await sql`CREATE TABLE t (n int)`
    await sql`INSERT INTO t VALUES (7)`
    await sql.close()
    await pg.stop()
    await pg.start()
    const again = new Bun.SQL(pg.url)
    expect(await again`SELECT n FROM t`).toEqual([{ n: 7 }])
    await again.close()
  })
})

describe.skipIf(!hasRedis)('the Redis test server', () => {
  test('answers, stops, comes back empty', async () => {
    await using r = await startRedis()
    const c = new Bun.RedisClient(r.url)
    await c.set('k', 'v')
    expect(await c.get('k')).toBe('v')
    c.close()
    await r.stop()
    await r.start()
    const again = new Bun.RedisClient(r.url)
    expect(await again.get('k')).toBeNull()
    again.close()
  })
})
