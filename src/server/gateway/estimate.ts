/**
 * Token estimates where an upstream has no counting endpoint: o200k BPE (the OpenAI tokenizer)
 * over the prompt's text. Other vendors' tokenizers differ, so callers label it an estimate.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import type { Request } from '../../dialects/ir.ts'

/** Above this many characters, a ratio stands in for the tokenizer to keep the request path fast. */
const TOKENIZE_LIMIT = 200_000

export function estimateTextTokens(text: string): number {
  if (text.length === 0) return 0
  if (text.length > TOKENIZE_LIMIT) return Math.ceil(text.length / 3.6)
  return countTokens(text)
}

/** The prompt of an IR request as the text a tokenizer sees (images counted at a flat rate). */
export function estimateRequestTokens(req: Request): number {
  const parts: string[] = []
  let fixed = 0
  for (const s of req.system) parts.push(s.text)
  for (const m of req.messages) {
    fixed += 4 // role and message framing
    for (const p of m.content) {
      switch (p.type) {
        case 'text':
          parts.push(p.text)
          break
        case 'thinking':
          parts.push(p.text)
          break
        case 'tool_call':
          parts.push(p.name, p.arguments)
          break
        case 'tool_result':
          for (const c of p.content) {
            if (c.type === 'text') parts.push(c.text)
            else fixed += 1600
          }
          break
        case 'image':
        case 'file':
          fixed += 1600
          break
        case 'audio':
          fixed += 500
          break
      }
    }
  }
  for (const t of req.tools ?? []) {
    if (t.kind === 'function') parts.push(t.name, t.description ?? '', JSON.stringify(t.parameters))
  }
  return estimateTextTokens(parts.join('\n')) + fixed
}
