/**
 * Searches over the raw bytes of an SSE stream, for the passthrough path that forwards them
 * without decoding: where an event ends (its blank line, `\n\n` or `\r\n\r\n`) and which event
 * holds a given byte. Buffer's native byte search works on any Uint8Array, without wrapping each
 * chunk in a Buffer.
 */

export const indexOf = Buffer.prototype.indexOf as (
  this: Uint8Array,
  needle: Uint8Array,
  from?: number,
) => number
export const lastIndexOf = Buffer.prototype.lastIndexOf as (
  this: Uint8Array,
  needle: Uint8Array,
  from?: number,
) => number

export const LF = 10
export const CR = 13

export const LF2 = Buffer.from('\n\n')
export const CRLF2 = Buffer.from('\r\n\r\n')

/** Just past the first blank line (an event's end) at or after `from`, or -1. */
export function blankLineEnd(buf: Uint8Array, from: number): number {
  const lf = indexOf.call(buf, LF2, from)
  const crlf = indexOf.call(buf, CRLF2, from)
  // "\r\n\r\n" holds "\n\r\n", never "\n\n": each style is found only by its own needle
  if (lf === -1) return crlf === -1 ? -1 : crlf + 4
  return crlf === -1 || lf < crlf ? lf + 2 : crlf + 4
}

/** Just past the last blank line that ends before byte `at`, or -1 when `buf` holds none there. */
export function eventStart(buf: Uint8Array, at: number): number {
  const lf = lastIndexOf.call(buf, LF2, at)
  const crlf = lastIndexOf.call(buf, CRLF2, at)
  return Math.max(lf === -1 ? -1 : lf + 2, crlf === -1 ? -1 : crlf + 4)
}

/**
 * The [start, end) of the whole event around byte `at` (ends with its blank line), or undefined
 * if it is cut off at the end; with no blank line before `at`, the event is taken to start `buf`.
 */
export function eventAround(buf: Uint8Array, at: number): [number, number] | undefined {
  const end = blankLineEnd(buf, at)
  return end === -1 ? undefined : [Math.max(0, eventStart(buf, at)), end]
}

/**
 * Whether `b[0, n)` ends with the blank line that ends an SSE event: a line end (`\n` or
 * `\r\n`) followed by `\n`.
 */
export function endsBlankLine(b: ArrayLike<number>, n: number = b.length): boolean {
  return b[n - 1] === LF && (b[n - 2] === LF || (b[n - 2] === CR && b[n - 3] === LF))
}
