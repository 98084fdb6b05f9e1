/**
 * The timer behind the gateway's background reads (model lists, Copilot quotas): one read at a
 * time, off the request path, the timer never keeping the process alive.
 */

export interface BackgroundReads {
  stop(): void
}

/**
 * Asks `due` now and every `checkMs` (while no read runs) for the read to start; undefined:
 * nothing is due. `due` may note what it saw (the config snapshot, the accounts' version) to tell
 * the next time whether anything changed.
 */
export function startBackgroundReads(
  checkMs: number,
  due: () => (() => Promise<void>) | undefined,
): BackgroundReads {
  let running = false
  const tick = (): void => {
    if (running) return
    const read = due()
    if (!read) return
    running = true
    void read().finally(() => {
      running = false
    })
  }
  tick()
  const timer = setInterval(tick, checkMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
