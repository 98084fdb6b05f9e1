/**
 * Server-sent events: an incremental decoder that gives the same events for any way the bytes
 * are split (mid-line, mid-UTF-8 character, between `\r` and `\n`), and the encoder every
 * dialect frames its output with. Follows the WHATWG event-stream parsing rules: comments are
 * skipped, several `data:` lines join with `\n`, one space after the colon is optional, and a
 * final event without its blank line is still delivered when the stream ends.
 */

export interface SSEEvent {
  /** The `event:` field, when present. */
  event?: string
  data: string
  id?: string
  retry?: number
}

/** Incremental parser state; feed text with `push`, end with `end`. */
export class SSEParser {
  /** Pieces of the current, unfinished line (none holds a line end). */
  #pieces: string[] = []
  #skipLeadingLF = false
  /** The data lines of the current event, joined with `\n`; undefined before the first one. */
  #data: string | undefined
  #event: string | undefined
  #id: string | undefined
  #retry: number | undefined

  /**
   * Feeds decoded text; returns the events completed by it. Only the new text is scanned and an
   * unfinished line is kept in pieces, so one huge event arriving in many chunks costs linear time.
   */
  push(text: string, out: SSEEvent[] = []): SSEEvent[] {
    let start = 0
    if (this.#skipLeadingLF && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1
      this.#skipLeadingLF = false
    }
    const len = text.length
    if (text.indexOf('\r', start) === -1) {
      // The usual case, LF line ends only: the native search finds them, no per-character loop.
      for (let i = text.indexOf('\n', start); i !== -1; i = text.indexOf('\n', start)) {
        this.#endLine(text, start, i, out)
        start = i + 1
      }
    } else {
      for (let i = start; i < len; i++) {
        const c = text.charCodeAt(i)
        if (c !== 10 && c !== 13) continue
        this.#endLine(text, start, i, out)
        if (c === 13) {
          if (i + 1 < len) {
            if (text.charCodeAt(i + 1) === 10) i++
          } else {
            this.#skipLeadingLF = true
          }
        }
        start = i + 1
      }
    }
    if (start < len) this.#pieces.push(start === 0 ? text : text.slice(start))
    return out
  }

  /** Ends the stream: a trailing line and a pending event without its blank line are delivered. */
  end(out: SSEEvent[] = []): SSEEvent[] {
    if (this.#pieces.length > 0) {
      this.#line(this.#pieces.join(''), out)
      this.#pieces = []
    }
    this.#dispatch(out)
    return out
  }

  /** The line `text[start, end)`, joined to the pieces of it that earlier text brought. */
  #endLine(text: string, start: number, end: number, out: SSEEvent[]): void {
    if (this.#pieces.length === 0) {
      // `data: ` lines, whole in this text: the value is cut out directly, without the line first
      if (end - start > 5 && text.startsWith('data: ', start)) {
        this.#addData(text.slice(start + 6, end))
        return
      }
      this.#line(start === end ? '' : text.slice(start, end), out)
      return
    }
    this.#pieces.push(text.slice(start, end))
    const line = this.#pieces.join('')
    this.#pieces = []
    this.#line(line, out)
  }

  #line(line: string, out: SSEEvent[]): void {
    if (line.length === 0) {
      this.#dispatch(out)
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' comment (keep-alive)
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value =
      colon === -1 ? '' : line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1)
    switch (field) {
      case 'data':
        this.#addData(value)
        break
      case 'event':
        this.#event = value
        break
      case 'id':
        if (!value.includes('\0')) this.#id = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value)
        break
    }
  }

  #addData(value: string): void {
    this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`
  }

  #dispatch(out: SSEEvent[]): void {
    if (this.#data !== undefined) {
      const ev: SSEEvent = { data: this.#data }
      if (this.#event !== undefined && this.#event !== '') ev.event = this.#event
      if (this.#id !== undefined) ev.id = this.#id
      if (this.#retry !== undefined) ev.retry = this.#retry
      out.push(ev)
    }
    this.#data = undefined
    this.#event = undefined
    this.#retry = undefined
  }
}

/** Bytes → SSE events, for any chunking of the bytes. */
export function sseDecoder(): TransformStream<Uint8Array, SSEEvent> {
  const text = new TextDecoder('utf-8')
  const parser = new SSEParser()
  return new TransformStream<Uint8Array, SSEEvent>({
    transform(chunk, controller) {
      for (const ev of parser.push(text.decode(chunk, { stream: true }))) controller.enqueue(ev)
    },
    flush(controller) {
      const events = parser.push(text.decode())
      parser.end(events)
      for (const ev of events) controller.enqueue(ev)
    },
  })
}

/** Parses a whole SSE text at once (tests, fixtures, non-streaming collection). */
export function parseSSE(text: string): SSEEvent[] {
  const parser = new SSEParser()
  return parser.end(parser.push(text))
}

/** One event in wire form; multi-line data becomes several `data:` lines. */
export function formatSSE(data: string, event?: string): string {
  const head = event === undefined ? '' : `event: ${event}\n`
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `${head}data: ${data}\n\n`
  return `${head}${data
    .split(/\r\n|\r|\n/)
    .map((l) => `data: ${l}`)
    .join('\n')}\n\n`
}

/** An SSE comment line (keep-alive); ignored by every client. */
export function formatSSEComment(text: string): string {
  return `: ${text}\n\n`
}

const encoder = new TextEncoder()

/** UTF-8 bytes of a string; one shared encoder. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}
