/**
 * The model-list call of each upstream dialect with an API key: OpenAI-style `GET {base}/models`,
 * Anthropic `GET {base}/v1/models?limit=1000`, Gemini `GET {base}/v1beta/models?pageSize=1000`
 * (one page of up to 1000 models: more than any of them lists).
 */
import type { DialectName } from '../../dialects/ir.ts'
import { keyHeaders } from './endpoints.ts'

export function modelListRequest(
  dialect: DialectName,
  base: string,
  key: string,
): { url: string; headers: Record<string, string> } {
  const root = base.replace(/\/+$/, '')
  // local servers (Ollama, vLLM) may take no key: then none is sent
  const auth = key ? keyHeaders(dialect, key) : {}
  const headers = { accept: 'application/json', ...auth }
  switch (dialect) {
    case 'anthropic-messages':
      return {
        url: `${root}/v1/models?limit=1000`,
        headers: { ...headers, 'anthropic-version': '2023-06-01' },
      }
    case 'gemini':
      return { url: `${root}/v1beta/models?pageSize=1000`, headers }
    default:
      return { url: `${root}/models`, headers }
  }
}
