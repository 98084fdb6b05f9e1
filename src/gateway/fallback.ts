/**
 * Fallback chains: where a request goes when every credential of its route's provider failed (or
 * cools down) before the first byte. The steps are model strings, resolved like a request's own:
 * the configured chain for what the client asked (`fallbacks.<model>`), else the provider's
 * `fallback` (another provider id, following its own `fallback` in turn) with the route's model.
 */
import type { Config } from '../config/schema.ts'
import type { ErrorInfo } from '../dialects/ir.ts'

/**
 * The model strings to try after the primary route, in order; empty: no fallback configured.
 * `asked`: the model as the client named it; `routed`: the route's upstream model and provider.
 */
export function fallbackSteps(
  config: Config,
  asked: string,
  routed: { model: string; providerId: string },
): string[] {
  const configured = config.fallbacks?.[asked]
  if (configured) return configured.filter((m) => m !== asked)
  const steps: string[] = []
  const seen = new Set([routed.providerId])
  for (let next = config.providers[routed.providerId]?.fallback; next && !seen.has(next); ) {
    seen.add(next)
    steps.push(`${next}/${routed.model}`)
    next = config.providers[next]?.fallback
  }
  return steps
}

/** An error a step of the chain ended with, kept for the answer if no later step serves. */
export interface StepFailure {
  info: ErrorInfo
  headers: Record<string, string>
}

/**
 * One request's way along its chain: the attempts made so far (numbered across steps) and the
 * errors of the steps that failed over. Owned by the request, never shared.
 */
export class FallbackChain {
  /** Attempts made by the steps before the current one. */
  attempts = 0
  /** Whether a step follows the current one (its last failure then fails over instead of answering). */
  more = false
  readonly failures: StepFailure[] = []

  /**
   * The error the client gets when every step failed: a rate limit with the soonest Retry-After
   * if any step was rate limited (it says when to come back), else the last failure.
   */
  answer(): StepFailure | undefined {
    let best: StepFailure | undefined
    for (const f of this.failures) {
      if ((f.info.status ?? 0) !== 429) continue
      if (!best || (f.info.retryAfter ?? Infinity) < (best.info.retryAfter ?? Infinity)) best = f
    }
    return best ?? this.failures.at(-1)
  }
}
