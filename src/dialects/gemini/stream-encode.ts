/**
 * IR stream events → Gemini `alt=sse` bytes: `data: <chunk JSON>\r\n\r\n` per chunk. Google's
 * front end ends every event with CRLF CRLF (its SDKs match `\n\n`, `\r\r` and `\r\n\r\n`; the
 * gateway's parser takes all three), so the encoder writes it the same way; there is no
 * terminal marker. JSON is compact (Google's own puts a space after each colon; no client
 * depends on it).
 *
 * Chunk boundaries:
 * - Events decoded from Gemini (`start.extra.gemini` present) whose first chunk carried usage:
 *   content is gathered until the `usage` or `finish` event that closed the upstream chunk, so
 *   a Gemini → IR → Gemini stream is byte-identical.
 * - Anything else: every text/thinking delta and every completed tool call is its own chunk
 *   (nothing waits for more input), carrying the latest usage seen as running totals.
 *
 * Parts: text deltas → `{"text"}`, thinking → `{"text","thought":true}`, a tool call → one
 * `functionCall` part when its block stops (args parsed from the accumulated JSON, `{}` when
 * empty or invalid); a tool call still open at `finish` is flushed then. A signature goes on the
 * part it belongs to (a signature with no pending part gets an empty one); signatures of other
 * dialects are wrapped (`signatureFor`). `usageMetadata` + `finishReason` close the stream
 * (`{"text":""}` stands in for content when the last chunk has none); `modelVersion` and
 * `responseId` are on every chunk. An IR error → a final `data: {"error":{…}}` chunk. Redacted or
 * encrypted reasoning has no Gemini form and is not sent.
 */

import { mintId } from '../common/ids.ts'
import { type JsonObject, parseArguments } from '../common/json.ts'
import { signatureFor } from '../common/provenance.ts'
import { hintsOf } from '../common/round-trip.ts'
import { type Emit, encodeSSEStream } from '../common/stream.ts'
import type { EncodeStreamOptions } from '../contract.ts'
import type { Provenance, StreamEvent } from '../ir.ts'
import { keptHints } from './content.ts'
import { encodeError } from './errors.ts'
import { encodeUsage, finishReasonOf } from './response.ts'
import { DIALECT, type Hints } from './types.ts'

const FRAME_END = '\r\n\r\n'

interface PendingPart {
  /** IR block index the part belongs to. */
  block: number
  kind: 'text' | 'thought' | 'call'
  text: string
  sig?: string
  /** Rendered functionCall object. */
  call?: string
}

interface Block {
  kind: 'text' | 'thinking' | 'tool_call'
  name: string
  args: string
  sig?: string
  prov?: Provenance
  /** Gemini's own functionCall fields (its `id`), same-dialect only. */
  inner?: JsonObject
}

const q = JSON.stringify

function renderPart(p: PendingPart): string {
  const sig = p.sig === undefined ? '' : `,"thoughtSignature":${q(p.sig)}`
  if (p.kind === 'call') return `{"functionCall":${p.call}${sig}}`
  if (p.kind === 'thought') return `{"text":${q(p.text)},"thought":true${sig}}`
  return `{"text":${q(p.text)}${sig}}`
}

function renderFields(obj: JsonObject | undefined): string {
  let out = ''
  if (obj) for (const k in obj) if (obj[k] !== undefined) out += `,${q(k)}:${q(obj[k])}`
  return out
}

/** The shared encoder; `envelope` wraps each chunk as Code Assist's `{"response":…,"traceId":…}`. */
export function createStreamEncoder(opts: EncodeStreamOptions | undefined, envelope: boolean) {
  let started = false
  let same = false
  let gathered = false
  /** `,"modelVersion":…,"responseId":…` and the upstream's own top-level fields. */
  let tail = ''
  /** `,"index":N` for candidates of non-final chunks, when the upstream sent one. */
  let index = ''
  let trace = ''
  let usageJson: string | undefined
  const prov: Provenance | undefined = opts?.provenance
  let finished = false
  const pending: PendingPart[] = []
  const blocks = new Map<number, Block>()

  const begin = (id: string, model: string, x: Hints | undefined) => {
    started = true
    const shown = opts?.model ?? model
    // Code Assist's traceId stood in for a missing responseId: public clients still get one.
    const omitId = x?.omitResponseId === true && (envelope || x.traceId === undefined)
    tail = (shown ? `,"modelVersion":${q(shown)}` : '') + (omitId ? '' : `,"responseId":${q(id)}`)
    tail += renderFields(x?.fields)
    if (typeof x?.index === 'number') index = `,"index":${x.index}`
    if (envelope) trace = `,"traceId":${q(typeof x?.traceId === 'string' ? x.traceId : id)}`
  }

  const frame = (body: string): string =>
    envelope ? `data: {"response":${body}${trace}}${FRAME_END}` : `data: ${body}${FRAME_END}`

  const partsJson = (): string => {
    let s = ''
    for (let i = 0; i < pending.length; i++) s += (i === 0 ? '' : ',') + renderPart(pending[i]!)
    pending.length = 0
    return s
  }

  /** One non-final chunk with whatever is pending (and `usage`, when given). */
  const flush = (write: Emit<string>, usage: string | undefined) => {
    if (pending.length === 0 && usage === undefined) return
    if (!started) begin(mintId('gemini-', 24), '', undefined)
    let body = '{'
    if (pending.length > 0)
      body += `"candidates":[{"content":{"parts":[${partsJson()}],"role":"model"}${index}}]`
    if (usage !== undefined) body += `${body.length > 1 ? ',' : ''}"usageMetadata":${usage}`
    write(frame(`${body}${tail}}`))
  }

  const stopCall = (b: Block, at: number) => {
    let call = `{"name":${q(b.name)},"args":${q(parseArguments(b.args))}`
    if (b.inner)
      for (const k in b.inner) if (k !== 'name' && k !== 'args') call += `,${q(k)}:${q(b.inner[k])}`
    call += '}'
    const part: PendingPart = { block: at, kind: 'call', text: '', call }
    if (b.sig !== undefined) part.sig = b.sig
    pending.push(part)
  }

  const onEvent = (ev: StreamEvent, write: Emit<string>) => {
    if (finished) return
    switch (ev.type) {
      case 'start': {
        const x = hintsOf<Hints>(ev.extra, DIALECT)
        same = x !== undefined
        gathered = same && ev.usage !== undefined
        begin(ev.id, ev.model, x)
        if (ev.usage && !gathered) usageJson = q(encodeUsage(ev.usage))
        return
      }
      case 'block_start': {
        const b = ev.block
        const block: Block = { kind: b.kind, name: '', args: '' }
        if (b.kind === 'tool_call') {
          // The IR id is not sent: Gemini ids come back only through `extra.gemini`.
          block.name = b.name
          const p = b.provenance ?? prov
          if (p) block.prov = p
          if (b.thoughtSignature !== undefined) block.sig = signatureFor(DIALECT, b.thoughtSignature, p)
          const inner = keptHints(b.extra, same)?.functionCall
          if (inner) block.inner = inner
        } else if (b.kind === 'thinking') {
          const p = b.provenance ?? prov
          if (p) block.prov = p
        } else if (b.thoughtSignature !== undefined)
          block.sig = signatureFor(DIALECT, b.thoughtSignature, prov)
        blocks.set(ev.index, block)
        return
      }
      case 'text_delta':
      case 'thinking_delta': {
        const b = blocks.get(ev.index)
        const part: PendingPart = {
          block: ev.index,
          kind: ev.type === 'text_delta' ? 'text' : 'thought',
          text: ev.text,
        }
        if (b?.sig !== undefined && b.kind !== 'tool_call') {
          part.sig = b.sig
          b.sig = undefined
        }
        pending.push(part)
        if (!gathered) flush(write, usageJson)
        return
      }
      case 'signature': {
        const b = blocks.get(ev.index)
        const sig = signatureFor(DIALECT, ev.signature, ev.provenance ?? b?.prov ?? prov)
        if (b?.kind === 'tool_call') {
          b.sig = sig
          return
        }
        const last = pending[pending.length - 1]
        if (last && last.block === ev.index && last.kind !== 'call' && last.sig === undefined) last.sig = sig
        else {
          pending.push({ block: ev.index, kind: b?.kind === 'thinking' ? 'thought' : 'text', text: '', sig })
          if (!gathered) flush(write, usageJson)
        }
        return
      }
      case 'tool_args_delta': {
        const b = blocks.get(ev.index)
        if (b) b.args += ev.delta
        return
      }
      case 'block_stop': {
        const b = blocks.get(ev.index)
        blocks.delete(ev.index)
        if (b?.kind === 'tool_call') {
          stopCall(b, ev.index)
          if (!gathered) flush(write, usageJson)
        }
        return
      }
      case 'usage': {
        const u = q(encodeUsage(ev.usage))
        if (gathered) flush(write, u)
        else usageJson = u
        return
      }
      case 'finish': {
        for (const [at, b] of blocks) if (b.kind === 'tool_call') stopCall(b, at)
        blocks.clear()
        if (!started) begin(mintId('gemini-', 24), '', undefined)
        const usage = ev.usage ? q(encodeUsage(ev.usage)) : usageJson
        const x = keptHints(ev.extra, same)
        let body = '{'
        if (x?.noCandidates !== true) {
          const parts = pending.length > 0 ? partsJson() : '{"text":""}'
          const reason = finishReasonOf(ev.stopReason, ev.rawStopReason, same)
          const cand = x ? renderFields(x.candidate) : index
          body += `"candidates":[{"content":{"parts":[${parts}],"role":"model"},"finishReason":${q(reason)}${cand}}]`
        }
        if (x?.promptFeedback !== undefined)
          body += `${body.length > 1 ? ',' : ''}"promptFeedback":${q(x.promptFeedback)}`
        if (usage !== undefined) body += `${body.length > 1 ? ',' : ''}"usageMetadata":${usage}`
        write(frame(`${body}${tail}}`))
        finished = true
        return
      }
      case 'error': {
        flush(write, undefined)
        write(`data: ${q(encodeError(ev.error).body)}${FRAME_END}`)
        finished = true
        return
      }
      case 'encrypted_reasoning':
      case 'ping':
        return
    }
  }

  return encodeSSEStream<StreamEvent>(onEvent, (write) => {
    if (!finished) flush(write, undefined)
  })
}

export function encodeStreamCore(opts?: EncodeStreamOptions) {
  return createStreamEncoder(opts, false)
}
