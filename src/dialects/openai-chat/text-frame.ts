/**
 * A shortcut for the chunk nearly every Chat stream is made of: a text delta whose bytes differ
 * from the previous one only inside the `content` string. The frame around that string is
 * learned from one fully parsed chunk; a later chunk that starts and ends with exactly the same
 * bytes yields its text by parsing the string alone, a fraction of parsing the whole chunk.
 * Anything else (another field, a finish reason, usage, a role) misses the frame and takes the
 * full parse, so the events are the same either way.
 */
import { isObject, type JsonObject } from '../common/json.ts'

export interface TextFrame {
  /** The chunk's bytes before the content string, and after it. */
  head: string
  tail: string
}

const CHOICE_KEYS = new Set(['index', 'delta', 'finish_reason', 'logprobs'])

/**
 * The frame of `raw`, when its parsed `chunk` is a plain text delta of choice 0 and nothing else
 * the decoder acts on (no finish reason, usage, tool calls, reasoning or error).
 */
export function learnTextFrame(raw: string, chunk: JsonObject): TextFrame | undefined {
  if (chunk.error != null || chunk.usage != null) return undefined
  const choices = chunk.choices
  if (!Array.isArray(choices) || choices.length !== 1) return undefined
  const choice = choices[0]
  if (!isObject(choice) || choice.index !== 0 || choice.finish_reason != null || choice.logprobs != null)
    return undefined
  for (const k in choice) if (!CHOICE_KEYS.has(k)) return undefined
  const delta = choice.delta
  if (!isObject(delta) || typeof delta.content !== 'string') return undefined
  for (const k in delta) if (k !== 'content') return undefined
  // Inside JSON strings quotes are escaped, so this can only be the delta's one `content` key.
  const key = raw.indexOf('"content":')
  if (key === -1 || raw.indexOf('"content":', key + 1) !== -1) return undefined
  let start = key + '"content":'.length
  while (raw.charCodeAt(start) === 32) start++
  if (raw.charCodeAt(start) !== 34) return undefined
  const end = stringEnd(raw, start)
  if (end === -1) return undefined
  return { head: raw.slice(0, start), tail: raw.slice(end) }
}

/** The text of a chunk that fits `frame`, or undefined when it does not (then parse it whole). */
export function frameText(raw: string, frame: TextFrame): string | undefined {
  const { head, tail } = frame
  if (raw.length < head.length + tail.length + 2 || !raw.startsWith(head) || !raw.endsWith(tail))
    return undefined
  const from = head.length
  const to = raw.length - tail.length
  // Most tokens hold no escape, quote or control character: then the text is the bytes between
  // the quotes, exactly what JSON.parse would give, without its per-call cost.
  if (raw.charCodeAt(from) === 34 && raw.charCodeAt(to - 1) === 34) {
    let plain = true
    for (let i = from + 1; i < to - 1; i++) {
      const c = raw.charCodeAt(i)
      if (c === 34 || c === 92 || c < 32) {
        plain = false
        break
      }
    }
    if (plain) return raw.slice(from + 1, to - 1)
  }
  try {
    // one string and nothing more: `"a","b":"c"` or `"a"},{` does not parse as a single value
    const text: unknown = JSON.parse(raw.slice(from, to))
    return typeof text === 'string' ? text : undefined
  } catch {
    return undefined
  }
}

/** Just past the closing quote of the JSON string that opens at `at`, or -1. */
function stringEnd(s: string, at: number): number {
  for (let i = s.indexOf('"', at + 1); i !== -1; i = s.indexOf('"', i + 1)) {
    let slashes = 0
    while (s.charCodeAt(i - 1 - slashes) === 92) slashes++
    if (slashes % 2 === 0) return i + 1
  }
  return -1
}
