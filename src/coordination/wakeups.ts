/** Who waits for a lock to be free, by name: each wakes on `wake(name)`, on `wakeAll()`, or when its own wait ends. */
export class Wakeups {
  readonly #waiters = new Map<string, Set<() => void>>()

  /** Resolves when `name` is woken, or after `ms`. */
  wait(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(name) ?? new Set<() => void>()
      this.#waiters.set(name, waiters)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiters.get(name) === waiters) this.#waiters.delete(name)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, ms))
      waiters.add(done)
    })
  }

  wake(name: string): void {
    const waiters = this.#waiters.get(name)
    if (waiters) for (const done of [...waiters]) done()
  }

  wakeAll(): void {
    for (const name of [...this.#waiters.keys()]) this.wake(name)
  }
}
