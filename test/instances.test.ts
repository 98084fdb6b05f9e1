/**
 * The several-instances harness itself: two real byokey processes behind its round-robin
 * balancer (each on its own SQLite here: what they share is the scale-out tests' business), the
 * balancer alternating between them, dropping one that was killed (and sending elsewhere what a
 * dead one refused), and taking it back after a start. The real Anthropic SDK talks to the balancer as it would to one gateway.
 */
import { describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { twoClaudeKeys } from './helpers/accounts-config.ts'
import { fakeAnthropic } from './helpers/fakes/index.ts'
import { startInstances } from './helpers/instances.ts'

const ADMIN_KEY = 'byka-instances-test-admin-key'

const pidBehind = async (url: string): Promise<number> => {
  const res = await fetch(`${url}/admin/v1/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { pid: number }).pid
}

describe('several instances behind a round-robin balancer', () => {
  test('requests alternate between the processes; a killed one is skipped; a started one is back', async () => {
    await using up = fakeAnthropic({ text: 'hi from upstream' })
    await using many = await startInstances({
      config: { providers: { claude: twoClaudeKeys(up.url) }, admin: { key_env: 'BYOKEY_ADMIN_KEY' } },
      env: { BYOKEY_ADMIN_KEY: ADMIN_KEY },
    })
    const [a, b] = many.list
    expect(a!.server.url).not.toBe(b!.server.url)
    const pids = [a!.server.proc.pid, b!.server.proc.pid]
    expect(new Set(pids).size).toBe(2)

    // the balancer alternates: four calls, two per process
    const seen = [] as number[]
    for (let i = 0; i < 4; i++) seen.push(await pidBehind(many.url))
    expect(seen).toEqual([pids[0]!, pids[1]!, pids[0]!, pids[1]!])

    const client = new Anthropic({ baseURL: many.url, apiKey: 'any', maxRetries: 0 })
    const ask = () =>
      client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      })
    const first = await Promise.all(Array.from({ length: 6 }, ask))
    expect(first.map((m) => m.content[0])).toEqual(
      Array.from({ length: 6 }, () => expect.objectContaining({ text: 'hi from upstream' })),
    )
    expect([a!.served, b!.served]).toEqual([5, 5])

    // a crash: the process is gone, and every later request goes to the other and succeeds
    await many.kill9(0)
    expect(a!.server.proc.signalCode).toBe('SIGKILL')
    const after = await Promise.all(Array.from({ length: 6 }, ask))
    expect(after).toHaveLength(6)
    expect([a!.served, b!.served]).toEqual([5, 11])
    expect(await pidBehind(many.url)).toBe(pids[1]!)
    // a balancer that has not noticed yet: the dead one refuses the connection, the next one answers
    a!.up = true
    const triedDead = a!.served
    expect(await pidBehind(many.url)).toBe(pids[1]!)
    expect(await pidBehind(many.url)).toBe(pids[1]!)
    expect(a!.served).toBeGreaterThan(triedDead)
    a!.up = false

    // started again on the same home and config: a new process, back in the rotation
    await many.start(0)
    expect(a!.server.proc.pid).not.toBe(pids[0])
    const back = [await pidBehind(many.url), await pidBehind(many.url)]
    expect(new Set(back)).toEqual(new Set([a!.server.proc.pid, pids[1]!]))
    expect(await many.stop(0)).toBe(0)
  }, 30_000)
})
