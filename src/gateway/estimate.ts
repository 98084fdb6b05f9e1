/**
 * Token estimates where an upstream has no counting endpoint. `count_tokens` uses the o200k BPE
 * (the OpenAI tokenizer), loaded on first use: its 200k-entry table costs ~1 s and ~100 MB, which
 * a gateway that never needs it should not pay at startup. The request path (Anthropic
 * `message_start` before the upstream reports usage) only needs a rough placeholder, so it uses
 * a character ratio and never waits on the tokenizer.
 */
import type { Request } from '../dialects/ir.ts'

type Counter = (text: string) => number

/** Above this many characters, a ratio stands in for the tokenizer. */
const TOKENIZE_LIMIT = 400_000
/** Characters per token of typical English/code text under o200k. */
const CHARS_PER_TOKEN = 3.6

/** The o200k counter; the runtime's module registry loads it once and hands the same module on. */
async function loadCounter(): Promise<Counter> {
  return (await import('gpt-tokenizer/encoding/o200k_base')).countTokens as Counter
}

/**
 * The prompt of an IR request as the pieces of text a tokenizer sees (joined by newlines), plus a
 * flat allowance for media and framing.
 */
function promptParts(req: Request): { parts: string[]; fixed: number } {
  const parts: string[] = []
  let fixed = 0
  for (const s of req.system) parts.push(s.text)
  for (const m of req.messages) {
    fixed += 4 // role and message framing
    for (const p of m.content) {
      switch (p.type) {
        case 'text':
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
  return { parts, fixed }
}

/**
 * Runs without whitespace longer than this are counted in pieces of this size. The BPE merges
 * of one pre-token are superlinear in its length: a single run of 10,000 equal characters took
 * 0.8 s and 100,000 took 70 s, blocking the event loop; 1,024-character pieces take milliseconds.
 * Each cut can change the count by a token (one per ~250 tokens of such text).
 */
const LONG_RUN = 1024
const LONG_RUNS = /\S{1025,}/g

/** `count` over `text`, its long whitespace-free runs in `LONG_RUN` pieces. */
function countInPieces(count: Counter, text: string): number {
  let total = 0
  let from = 0
  for (const m of text.matchAll(LONG_RUNS)) {
    if (m.index > from) total += count(text.slice(from, m.index))
    const run = m[0]
    for (let i = 0; i < run.length; i += LONG_RUN) total += count(run.slice(i, i + LONG_RUN))
    from = m.index + run.length
  }
  return from === 0 ? count(text) : total + (from < text.length ? count(text.slice(from)) : 0)
}

/** o200k count of the prompt (the tokenizer is loaded on first call). */
export async function countRequestTokens(req: Request): Promise<number> {
  const { parts, fixed } = promptParts(req)
  const text = parts.join('\n')
  if (text.length > TOKENIZE_LIMIT) return Math.ceil(text.length / CHARS_PER_TOKEN) + fixed
  return countInPieces(await loadCounter(), text) + fixed
}

/**
 * A quick character-ratio estimate for the request path: the length the joined prompt would have,
 * without joining it (a 256 KB agent prompt made a 256 KB string only to read its length).
 */
export function roughRequestTokens(req: Request): number {
  const { parts, fixed } = promptParts(req)
  let chars = parts.length > 0 ? parts.length - 1 : 0
  for (let i = 0; i < parts.length; i++) chars += (parts[i] as string).length
  return Math.ceil(chars / CHARS_PER_TOKEN) + fixed
}
