/**
 * Kiro has no thinking blocks: a model asked to think writes `<thinking>…</thinking>` into its
 * text (docs/protocols/kiro.md, "Thinking"). This splits a text stream into thinking and answer
 * runs, whatever the chunking, tags split across chunks included. Only a tag that opens before
 * any answer text counts, so an answer that talks about the tag is left alone.
 */

const OPEN = '<thinking>'
const CLOSE = '</thinking>'

export type TextRun = { thinking: boolean; text: string }

/** The length of the longest end of `s` that is a start of `tag` (a tag that may go on in the next chunk). */
function partialTagAtEnd(s: string, tag: string): number {
  for (let k = Math.min(tag.length - 1, s.length); k > 0; k--) {
    if (tag.startsWith(s.slice(s.length - k))) return k
  }
  return 0
}

export class ThinkingTagSplitter {
  #inThinking = false
  /** The answer has begun: no tag opens thinking any more. */
  #answered = false
  /** Text held back because it may be the start of a tag. */
  #pending = ''
  /** Whitespace right after `</thinking>` is dropped (the model puts a blank line there). */
  #afterClose = false

  /** The runs a chunk of text completes, in order. */
  push(chunk: string): TextRun[] {
    const out: TextRun[] = []
    let s = this.#pending + chunk
    this.#pending = ''
    for (;;) {
      if (this.#inThinking) {
        const at = s.indexOf(CLOSE)
        if (at >= 0) {
          this.#emit(out, true, s.slice(0, at))
          this.#inThinking = false
          this.#afterClose = true
          s = s.slice(at + CLOSE.length)
          continue
        }
        const keep = partialTagAtEnd(s, CLOSE)
        this.#emit(out, true, s.slice(0, s.length - keep))
        this.#pending = s.slice(s.length - keep)
        return out
      }
      if (this.#afterClose) {
        s = s.replace(/^\s+/, '')
        if (s === '') return out
        this.#afterClose = false
      }
      if (this.#answered) {
        this.#emit(out, false, s)
        return out
      }
      // Before the answer: leading whitespace, then perhaps a tag.
      const lead = s.length - s.trimStart().length
      const rest = s.slice(lead)
      if (rest.startsWith(OPEN)) {
        this.#inThinking = true
        s = rest.slice(OPEN.length)
        continue
      }
      if (rest === '' || OPEN.startsWith(rest)) {
        this.#pending = s
        return out
      }
      this.#answered = true
      this.#emit(out, false, s)
      return out
    }
  }

  /** What was held back, once the text is over (an unclosed thinking run stays thinking). */
  end(): TextRun[] {
    const out: TextRun[] = []
    const s = this.#pending
    this.#pending = ''
    if (this.#inThinking) this.#emit(out, true, s)
    else if (!this.#afterClose || s.trim() !== '') this.#emit(out, false, s)
    return out
  }

  #emit(out: TextRun[], thinking: boolean, text: string): void {
    if (text === '') return
    const last = out[out.length - 1]
    if (last && last.thinking === thinking) last.text += text
    else out.push({ thinking, text })
  }
}
