/**
 * Models of a Kimi for Coding login. `kimi-for-coding` is the endpoint's own id; the others are
 * listed under a `kimi-` prefix that is dropped upstream (`subscription.ts`).
 */
import type { ModelInfo } from '../types.ts'

export const KIMI_MODELS: readonly ModelInfo[] = [
  { id: 'kimi-for-coding', displayName: 'Kimi for Coding', contextWindow: 262_144 },
  { id: 'kimi-k2-0711', displayName: 'Kimi K2 (0711)' },
]
