/**
 * A provider's model list as its upstream last reported it (Copilot's depends on the plan and
 * changes often), else its static starting list. One per provider instance, so two gateways in
 * one process each keep what their own logins reported.
 */
import type { ModelInfo } from '../types.ts'

export class LiveModels {
  #reported: readonly ModelInfo[] | undefined
  #version = 0

  constructor(private readonly starting: readonly ModelInfo[]) {}

  /** The reported list, else the starting one. */
  get list(): readonly ModelInfo[] {
    return this.#reported ?? this.starting
  }

  /** Counts the lists reported so far: what was resolved against an older count may route elsewhere now. */
  get version(): number {
    return this.#version
  }

  /** Makes `models` the list; an empty answer is no list, so the current one stays. */
  report(models: readonly ModelInfo[]): void {
    if (models.length === 0) return
    this.#reported = models
    this.#version++
  }

  /**
   * Adds what an API key's own list names beyond the starting list (whose entries keep their
   * known limits). A list with nothing new, or the same ids as now, changes nothing: the version
   * moves, and the routes cached under it are dropped, only when the ids do.
   */
  learn(models: readonly ModelInfo[]): void {
    const known = new Set(this.starting.map((m) => m.id))
    const extra: ModelInfo[] = []
    for (const m of models) {
      if (known.has(m.id)) continue
      known.add(m.id)
      extra.push(m)
    }
    const current = this.list
    const next = [...this.starting, ...extra]
    if (next.length === current.length && next.every((m, i) => m.id === current[i]?.id)) return
    this.#reported = next
    this.#version++
  }
}
