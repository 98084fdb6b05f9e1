/** Waits until a byokey server answers its health check (about 5 s at most). */
export async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {
      if (i > 500) throw new Error(`byokey at ${url} did not start`)
      await Bun.sleep(10)
    }
  }
}
