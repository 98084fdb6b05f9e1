/**
 * IR stream events → Responses SSE (`event: <type>` + `data: {…,"sequence_number":N}`), the
 * canonical sequence of docs/protocols/openai-responses.md ("Streaming"): response.created,
 * response.in_progress, then per item output_item.added → (content_part.added → output_text.delta…
 * → output_text.done → content_part.done | reasoning_summary_part.added →
 * reasoning_summary_text.delta… → .done → reasoning_summary_part.done |
 * function_call_arguments.delta… → .done) → output_item.done, and response.completed /
 * response.incomplete / response.failed with the full response object (output rebuilt from the
 * items, usage). `sequence_number` starts at 0 and counts every event.
 *
 * IR blocks → items: a text block opens a message item, a thinking block a reasoning item, a
 * tool_call block a function_call item, each at the next output_index. A message or reasoning
 * item is closed lazily: the next text block with the same (or no) `itemId` becomes another
 * content part of the open message, the next thinking block with the same `itemId` another
 * summary part of the open reasoning item; anything else closes it first.
 *
 * A tool_call block's `namespace` goes on its function_call item; without one, a name flattened for
 * an upstream without namespaces (`toolNamespaces` option) is split back into `name` + `namespace`.
 *
 * Ids: the IR's item ids when they have the right prefix (`msg_`, `rs_`, `fc`), else minted.
 * Opaque reasoning goes out as the reasoning item's `encrypted_content`: native encrypted
 * content verbatim, another dialect's signature (or redacted data) wrapped with its provenance.
 * A start event decoded by this dialect carries the upstream response object, used as the
 * template of every response object written (same key order, echo fields kept).
 */
import { formatSSEComment } from '../../sse.ts'
import { mintId } from '../common/ids.ts'
import { isObject, type JsonObject } from '../common/json.ts'
import { signatureFor } from '../common/provenance.ts'
import { hintsOf } from '../common/round-trip.ts'
import { type Emit, encodeSSEStream } from '../common/stream.ts'
import type { EncodeStreamOptions } from '../contract.ts'
import type { ErrorInfo, Extra, StreamEvent, Usage } from '../ir.ts'
import { codeFor } from './errors.ts'
import { REDACTED_PREFIX } from './reasoning.ts'
import { DEFAULT_FAILURE, encodeUsage, responseIdFor, statusOf } from './response.ts'
import { Block, doneItem, Item } from './stream-items.ts'
import { namespacedName } from './tools.ts'
import { DIALECT, type Hints } from './types.ts'

const q = JSON.stringify

/** The upstream response object this dialect's decoder kept on a start/finish event. */
function ours(extra: Extra | undefined): JsonObject | undefined {
  const response = hintsOf<Hints>(extra, DIALECT)?.response
  return isObject(response) ? response : undefined
}

class Encoder {
  #seq = 0
  #started = false
  #finished = false
  #id = ''
  #model = ''
  #created = 0
  #template: JsonObject | undefined
  #usage: Usage | undefined
  readonly #items: Item[] = []
  readonly #output: JsonObject[] = []
  readonly #blocks: (Block | undefined)[] = []
  /** Message/reasoning items with no open block, waiting to see whether the next block continues them. */
  #pending: Item[] = []
  #last: Item | undefined
  readonly #opts: EncodeStreamOptions

  constructor(opts: EncodeStreamOptions) {
    this.#opts = opts
  }

  /** One event: `event:` line, then the data with `type` and `sequence_number` first. */
  #ev(type: string, rest: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.#seq++}${rest}}\n\n`
  }

  on(ev: StreamEvent, write: Emit<string>): void {
    if (this.#finished) return
    switch (ev.type) {
      case 'text_delta': {
        const b = this.#blocks[ev.index]
        if (b?.kind !== 'text') return
        b.text += ev.text
        const it = b.item
        write(
          this.#ev(
            'response.output_text.delta',
            `,"item_id":${it.idq},"output_index":${it.outputIndex},"content_index":${b.part},"delta":${q(ev.text)},"logprobs":[]`,
          ),
        )
        return
      }
      case 'tool_args_delta': {
        const b = this.#blocks[ev.index]
        if (b?.kind !== 'tool_call') return
        const it = b.item
        it.args += ev.delta
        write(
          this.#ev(
            'response.function_call_arguments.delta',
            `,"item_id":${it.idq},"output_index":${it.outputIndex},"delta":${q(ev.delta)}`,
          ),
        )
        return
      }
      case 'thinking_delta': {
        const b = this.#blocks[ev.index]
        if (b?.kind !== 'thinking') return
        const it = b.item
        if (b.part < 0) this.#openReasoningPart(b, write)
        b.text += ev.text
        write(
          b.summary
            ? this.#ev(
                'response.reasoning_summary_text.delta',
                `,"item_id":${it.idq},"output_index":${it.outputIndex},"summary_index":${b.part},"delta":${q(ev.text)}`,
              )
            : this.#ev(
                'response.reasoning_text.delta',
                `,"item_id":${it.idq},"output_index":${it.outputIndex},"content_index":${b.part},"delta":${q(ev.text)}`,
              ),
        )
        return
      }
      case 'start':
        if (!this.#started) this.#start(ev.id, ev.model, ev.created, ours(ev.extra), write)
        return
      case 'block_start':
        this.#ensureStarted(write)
        this.#blockStart(ev.index, ev.block, write)
        return
      case 'signature': {
        const b = this.#blocks[ev.index]
        if (b?.kind === 'thinking') {
          b.item.encrypted = signatureFor(
            DIALECT,
            ev.signature,
            ev.provenance ?? b.provenance ?? this.#opts.provenance,
          )
        }
        return
      }
      case 'encrypted_reasoning': {
        const b = this.#blocks[ev.index]
        if (b?.kind === 'thinking')
          b.item.encrypted = signatureFor(DIALECT, ev.data, b.provenance ?? this.#opts.provenance)
        return
      }
      case 'block_stop':
        this.#blockStop(ev.index, write)
        return
      case 'usage':
        this.#usage = ev.usage
        return
      case 'finish':
        this.#finish(ev, write)
        return
      case 'error':
        this.#fail(ev.error, write)
        return
      case 'ping':
        write(formatSSEComment('ping'))
        return
    }
  }

  end(write: Emit<string>): void {
    if (this.#finished) return
    this.#fail({ kind: 'api_error', message: 'The stream ended before the response was complete.' }, write)
  }

  #start(
    id: string,
    model: string,
    created: number | undefined,
    template: JsonObject | undefined,
    write: Emit<string>,
  ) {
    this.#started = true
    this.#id = id ? responseIdFor(id) : mintId('resp_')
    this.#model = this.#opts.model ?? model
    this.#created = created ?? Math.floor(Date.now() / 1000)
    this.#template = template
    for (const type of ['response.created', 'response.in_progress']) {
      write(this.#ev(type, `,"response":${this.#response(template, 'in_progress', [], null, null, null)}`))
    }
  }

  #ensureStarted(write: Emit<string>): void {
    if (!this.#started) this.#start('', '', undefined, undefined, write)
  }

  /** A response object: the template's keys in order with the live values, else the canonical set. */
  #response(
    template: JsonObject | undefined,
    status: string,
    output: JsonObject[],
    usage: JsonObject | null,
    error: JsonObject | null,
    incomplete: JsonObject | null,
  ): string {
    if (!template) {
      return q({
        id: this.#id,
        object: 'response',
        created_at: this.#created,
        status,
        error,
        incomplete_details: incomplete,
        model: this.#model,
        output,
        usage,
      })
    }
    const r: JsonObject = {}
    for (const k in template) r[k] = template[k]
    r.id = this.#id
    if ('created_at' in r) r.created_at = this.#created
    r.status = status
    if (error !== null || 'error' in r) r.error = error
    if (incomplete !== null || 'incomplete_details' in r) r.incomplete_details = incomplete
    r.model = this.#model
    r.output = output
    if (usage !== null || 'usage' in r) r.usage = usage
    return q(r)
  }

  #openItem(kind: Item['kind'], srcItemId: string | undefined, prefix: string, mint: string): Item {
    const id = srcItemId?.startsWith(prefix) ? srcItemId : mintId(mint)
    const item = new Item(kind, id, srcItemId, this.#items.length)
    this.#items.push(item)
    this.#last = item
    return item
  }

  #closePending(keep: Item | undefined, write: Emit<string>): void {
    if (this.#pending.length === 0) return
    const pending = this.#pending
    this.#pending = []
    for (const item of pending) {
      if (item === keep) this.#pending.push(item)
      else if (!item.closed) this.#closeItem(item, write)
    }
  }

  #blockStart(
    index: number,
    block: Extract<StreamEvent, { type: 'block_start' }>['block'],
    write: Emit<string>,
  ) {
    const last = this.#last
    let item: Item
    let b: Block
    switch (block.kind) {
      case 'text': {
        const continues =
          last?.kind === 'message' &&
          !last.closed &&
          (block.itemId === undefined || block.itemId === last.srcItemId)
        if (continues) {
          item = last
          this.#closePending(item, write)
        } else {
          this.#closePending(undefined, write)
          item = this.#openItem('message', block.itemId, 'msg_', 'msg_')
          write(
            this.#ev(
              'response.output_item.added',
              `,"output_index":${item.outputIndex},"item":{"id":${item.idq},"type":"message","status":"in_progress","role":"assistant","content":[]}`,
            ),
          )
        }
        b = new Block('text', item, false, undefined)
        b.part = item.texts.length
        item.texts.push('')
        write(
          this.#ev(
            'response.content_part.added',
            `,"item_id":${item.idq},"output_index":${item.outputIndex},"content_index":${b.part},"part":{"type":"output_text","text":"","annotations":[]}`,
          ),
        )
        break
      }
      case 'thinking': {
        const continues =
          last?.kind === 'reasoning' &&
          !last.closed &&
          block.itemId !== undefined &&
          block.itemId === last.srcItemId
        if (continues) {
          item = last
          this.#closePending(item, write)
        } else {
          this.#closePending(undefined, write)
          item = this.#openItem('reasoning', block.itemId, 'rs_', 'rs_')
          write(
            this.#ev(
              'response.output_item.added',
              `,"output_index":${item.outputIndex},"item":{"id":${item.idq},"type":"reasoning","summary":[]}`,
            ),
          )
        }
        const prov = block.provenance ?? this.#opts.provenance
        b = new Block('thinking', item, block.summary !== false, prov)
        if (block.redacted !== undefined)
          item.encrypted = signatureFor(DIALECT, REDACTED_PREFIX + block.redacted, prov)
        break
      }
      case 'tool_call': {
        this.#closePending(undefined, write)
        item = this.#openItem('function_call', block.itemId, 'fc', 'fc_')
        item.callId = block.id
        const { name, namespace } = namespacedName(block.name, block.namespace, this.#opts.toolNamespaces)
        item.name = name
        item.namespace = namespace
        const ns = namespace === undefined ? '' : `,"namespace":${q(namespace)}`
        write(
          this.#ev(
            'response.output_item.added',
            `,"output_index":${item.outputIndex},"item":{"id":${item.idq},"type":"function_call","status":"in_progress","call_id":${q(block.id)},"name":${q(name)}${ns},"arguments":""}`,
          ),
        )
        b = new Block('tool_call', item, false, undefined)
        break
      }
    }
    item.open++
    this.#blocks[index] = b
  }

  /** Reasoning parts open on their first text, so an encrypted-only item has no empty summary part. */
  #openReasoningPart(b: Block, write: Emit<string>): void {
    const it = b.item
    if (b.summary) {
      b.part = it.texts.length
      it.texts.push('')
      write(
        this.#ev(
          'response.reasoning_summary_part.added',
          `,"item_id":${it.idq},"output_index":${it.outputIndex},"summary_index":${b.part},"part":{"type":"summary_text","text":""}`,
        ),
      )
    } else {
      b.part = it.contents.length
      it.contents.push('')
    }
  }

  #blockStop(index: number, write: Emit<string>): void {
    const b = this.#blocks[index]
    if (!b) return
    this.#blocks[index] = undefined
    const it = b.item
    const head = `,"item_id":${it.idq},"output_index":${it.outputIndex}`
    switch (b.kind) {
      case 'text': {
        const text = q(b.text)
        it.texts[b.part] = b.text
        write(
          this.#ev(
            'response.output_text.done',
            `${head},"content_index":${b.part},"text":${text},"logprobs":[]`,
          ) +
            this.#ev(
              'response.content_part.done',
              `${head},"content_index":${b.part},"part":{"type":"output_text","text":${text},"annotations":[]}`,
            ),
        )
        break
      }
      case 'thinking': {
        if (b.part < 0) break
        const text = q(b.text)
        if (b.summary) {
          it.texts[b.part] = b.text
          write(
            this.#ev(
              'response.reasoning_summary_text.done',
              `${head},"summary_index":${b.part},"text":${text}`,
            ) +
              this.#ev(
                'response.reasoning_summary_part.done',
                `${head},"summary_index":${b.part},"part":{"type":"summary_text","text":${text}}`,
              ),
          )
        } else {
          it.contents[b.part] = b.text
          write(this.#ev('response.reasoning_text.done', `${head},"content_index":${b.part},"text":${text}`))
        }
        break
      }
      case 'tool_call': {
        // Empty arguments are `{}`, never a missing field.
        if (it.args === '') {
          it.args = '{}'
          write(this.#ev('response.function_call_arguments.delta', `${head},"delta":"{}"`))
        }
        write(
          this.#ev(
            'response.function_call_arguments.done',
            `${head},"name":${q(it.name)},"arguments":${q(it.args)}`,
          ),
        )
        it.open--
        this.#closeItem(it, write)
        return
      }
    }
    it.open--
    if (it.open === 0) this.#pending.push(it)
  }

  #closeItem(it: Item, write: Emit<string>): void {
    it.closed = true
    const item = doneItem(it)
    this.#output[it.outputIndex] = item
    write(this.#ev('response.output_item.done', `,"output_index":${it.outputIndex},"item":${q(item)}`))
  }

  /** Stops open blocks and closes every item, in output order. */
  #closeAll(write: Emit<string>): void {
    for (let i = 0; i < this.#blocks.length; i++) if (this.#blocks[i]) this.#blockStop(i, write)
    this.#pending = []
    for (const it of this.#items) if (!it.closed) this.#closeItem(it, write)
  }

  #collectOutput(): JsonObject[] {
    const out: JsonObject[] = []
    for (const item of this.#output) if (item) out.push(item)
    return out
  }

  #finish(ev: Extract<StreamEvent, { type: 'finish' }>, write: Emit<string>): void {
    this.#ensureStarted(write)
    this.#closeAll(write)
    this.#finished = true
    const own = ours(ev.extra)
    const template = own ?? this.#template
    const usage = ev.usage ?? this.#usage
    const { status, reason } = statusOf(ev.stopReason, own ? ev.rawStopReason : undefined)
    const tplUsage = template && isObject(template.usage) ? template.usage : undefined
    const usageObj = usage ? encodeUsage(usage, tplUsage) : null
    const type =
      status === 'incomplete'
        ? 'response.incomplete'
        : status === 'failed'
          ? 'response.failed'
          : 'response.completed'
    const error = status === 'failed' ? (own && isObject(own.error) ? own.error : DEFAULT_FAILURE) : null
    const incomplete = status === 'incomplete' && reason !== undefined ? { reason } : null
    write(
      this.#ev(
        type,
        `,"response":${this.#response(template, status, this.#collectOutput(), usageObj, error, incomplete)}`,
      ),
    )
  }

  #fail(err: ErrorInfo, write: Emit<string>): void {
    this.#finished = true
    const code = codeFor(err)
    if (!this.#started) {
      write(
        this.#ev('error', `,"code":${q(code)},"message":${q(err.message)},"param":${q(err.param ?? null)}`),
      )
      return
    }
    const usage = this.#usage ? encodeUsage(this.#usage, undefined) : null
    const error = { code, message: err.message }
    write(
      this.#ev(
        'response.failed',
        `,"response":${this.#response(this.#template, 'failed', this.#collectOutput(), usage, error, null)}`,
      ),
    )
  }
}

export function encodeStreamCore(opts: EncodeStreamOptions = {}) {
  const encoder = new Encoder(opts)
  return encodeSSEStream<StreamEvent>(
    (ev, write) => encoder.on(ev, write),
    (write) => encoder.end(write),
  )
}
