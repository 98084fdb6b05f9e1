/** Models of an iFlow login (BYOKEY's list; `kimi-k2` is iFlow's, Kimi's own login lists others). */
import type { ModelInfo } from '../types.ts'

export const IFLOW_MODELS: readonly ModelInfo[] = [
  { id: 'glm-4.5', displayName: 'GLM-4.5 (iFlow)' },
  { id: 'glm-4.5-air', displayName: 'GLM-4.5 Air (iFlow)' },
  { id: 'glm-z1-flash', displayName: 'GLM-Z1 Flash (iFlow)' },
  { id: 'kimi-k2', displayName: 'Kimi K2 (iFlow)' },
  { id: 'qwen3-coder-plus', displayName: 'Qwen3 Coder Plus (iFlow)' },
]
