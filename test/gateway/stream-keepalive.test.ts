/**
 * The keep-alive timer of a stream: it sends while the stream waits on the upstream, once per
 * interval of silence, never while the upstream delivers or the client is being written to,
 * and never after it was stopped.
 */
import { expect, test } from 'bun:test'
import { streamKeepAlive } from '../../src/gateway/stream-keepalive.ts'
import type { IdleWatchdog } from '../../src/gateway/upstream-fetch.ts'

const MS = 10

/** A watchdog whose waiting state the test sets by hand. */
function watchdog(): IdleWatchdog {
  const w = {
    waitingSince: -1,
    waiting() {
      w.waitingSince = performance.now()
    },
    got() {
      w.waitingSince = -1
    },
    stop() {},
  }
  return w
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await Bun.sleep(5)
  expect(cond()).toBe(true)
}

test('sends again and again while the upstream stays silent', async () => {
  const watch = watchdog()
  let sent = 0
  const ka = streamKeepAlive(watch, MS, () => sent++)
  watch.waiting()
  await until(() => sent >= 3)
  ka.stop()
})

test('sends nothing while the stream is not waiting on the upstream, and nothing after stop', async () => {
  const watch = watchdog()
  let sent = 0
  const ka = streamKeepAlive(watch, MS, () => sent++)
  await Bun.sleep(MS * 5)
  expect(sent).toBe(0)
  watch.waiting()
  await until(() => sent >= 1)
  ka.stop()
  const atStop = sent
  await Bun.sleep(MS * 5)
  expect(sent).toBe(atStop)
})
