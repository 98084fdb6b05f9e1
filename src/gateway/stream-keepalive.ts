/**
 * The client's side of a silent upstream: while the stream waits on the upstream, its dialect's
 * keep-alive goes out every interval, so proxies and load balancers between the client and
 * byokey see traffic. One timer per stream, like the idle watchdog it reads the wait from; the
 * per-chunk path does nothing for it.
 */
import type { IdleWatchdog } from './upstream-fetch.ts'

export interface StreamKeepAlive {
  stop(): void
}

/**
 * Calls `send` each time the upstream has been silent for `ms` since it was last waited on or
 * since the last keep-alive; time spent writing to a slow client never counts as silence.
 */
export function streamKeepAlive(watch: IdleWatchdog, ms: number, send: () => void): StreamKeepAlive {
  let sentAt = -1
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const check = () => {
    if (stopped) return
    const since = watch.waitingSince
    if (since < 0) {
      timer = setTimeout(check, ms)
      return
    }
    const quiet = performance.now() - Math.max(since, sentAt)
    if (quiet >= ms) {
      send()
      sentAt = performance.now()
      timer = setTimeout(check, ms)
    } else timer = setTimeout(check, ms - quiet)
  }
  timer = setTimeout(check, ms)
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}
