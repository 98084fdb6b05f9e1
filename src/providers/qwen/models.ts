/** Models of a Qwen Code login: the portal's coder models (Qwen Code itself asks for `coder-model`). */
import type { ModelInfo } from '../types.ts'

export const QWEN_MODELS: readonly ModelInfo[] = [
  { id: 'qwen3-coder-plus', displayName: 'Qwen3 Coder Plus', contextWindow: 1_000_000, maxOutput: 65_536 },
  { id: 'qwen3-coder-flash', displayName: 'Qwen3 Coder Flash' },
  { id: 'coder-model', displayName: 'Qwen Coder (Qwen Code default)' },
  { id: 'vision-model', displayName: 'Qwen Vision (Qwen Code)' },
]
