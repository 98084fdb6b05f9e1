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

/** What a prompt visit hands on: each piece of text a tokenizer sees, and each tool's schema. */
interface PromptVisitor {
  text(s: string): void
  schema(s: unknown): void
}

/**
 * Visits the prompt of an IR request in the order a tokenizer would read it; returns the flat
 * allowance for media and framing.
 */
function visitPrompt(req: Request, visit: PromptVisitor): number {
  let fixed = 0
  for (const s of req.system) visit.text(s.text)
  for (const m of req.messages) {
    fixed += 4 // role and message framing
    for (const p of m.content) {
      switch (p.type) {
        case 'text':
        case 'thinking':
          visit.text(p.text)
          break
        case 'tool_call':
          visit.text(p.name)
          visit.text(p.arguments)
          break
        case 'tool_result':
          for (const c of p.content) {
            if (c.type === 'text') visit.text(c.text)
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
    if (t.kind === 'function') {
      visit.text(t.name)
      visit.text(t.description ?? '')
      visit.schema(t.parameters)
    }
  }
  return fixed
}

/**
 * The length `JSON.stringify(v)` would have, without building it (escapes in strings aside).
 * Agents send dozens of tool schemas with every request; stringifying them only to read the
 * length cost about three times this walk.
 */
export function jsonLength(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2
    case 'number':
      return String(v).length
    case 'boolean':
      return v ? 4 : 5
    case 'object':
      break
    default:
      return 0
  }
  if (v === null) return 4
  if (Array.isArray(v)) {
    let n = v.length > 0 ? v.length + 1 : 2
    for (const x of v) n += x === undefined ? 4 : jsonLength(x)
    return n
  }
  let n = 1
  let entries = 0
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k]
    if (x === undefined || typeof x === 'function') continue
    n += k.length + 3 + jsonLength(x)
    entries++
  }
  return n + (entries > 0 ? entries : 1)
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
  const parts: string[] = []
  const fixed = visitPrompt(req, {
    text: (s) => parts.push(s),
    schema: (s) => parts.push(JSON.stringify(s)),
  })
  const text = parts.join('\n')
  if (text.length > TOKENIZE_LIMIT) return Math.ceil(text.length / CHARS_PER_TOKEN) + fixed
  return countInPieces(await loadCounter(), text) + fixed
}

/**
 * A quick character-ratio estimate for the request path: the length the joined prompt would have,
 * without joining it (a 256 KB agent prompt made a 256 KB string only to read its length) and
 * without stringifying the tool schemas.
 */
export function roughRequestTokens(req: Request): number {
  let pieces = 0
  let chars = 0
  const fixed = visitPrompt(req, {
    text: (s) => {
      pieces++
      chars += s.length
    },
    schema: (s) => {
      pieces++
      chars += jsonLength(s)
    },
  })
  // the newlines that would join the pieces
  if (pieces > 0) chars += pieces - 1
  return Math.ceil(chars / CHARS_PER_TOKEN) + fixed
}
