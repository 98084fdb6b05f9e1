/** The waiters of `waitFree`: woken by name, all at once, or by their own wait's end. */
import { expect, test } from 'bun:test'
import { Wakeups } from '../../src/coordination/wakeups.ts'

test('a wake of one name wakes its waiters only; wakeAll wakes the rest', async () => {
  const wakeups = new Wakeups()
  const woken: string[] = []
  const a1 = wakeups.wait('a', 60_000).then(() => woken.push('a1'))
  const a2 = wakeups.wait('a', 60_000).then(() => woken.push('a2'))
  const b = wakeups.wait('b', 60_000).then(() => woken.push('b'))
  wakeups.wake('a')
  await Promise.all([a1, a2])
  expect(woken.sort()).toEqual(['a1', 'a2'])
  wakeups.wake('a') // nobody left: nothing happens
  wakeups.wakeAll()
  await b
  expect(woken).toContain('b')
})

test("a waiter's own wait ends it when nobody wakes it", async () => {
  const wakeups = new Wakeups()
  await wakeups.wait('x', 20)
  await wakeups.wait('x', -5) // a wait already over
})
