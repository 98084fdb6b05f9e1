/**
 * IR stream events → `chat.completion.chunk` SSE, framed as OpenAI frames it:
 *
 * 1. at `start`: `delta: {"role":"assistant","content":""}`;
 * 2. one chunk per text / reasoning / signature / tool-call fragment; each tool call gets the
 *    next Chat `index` (0, 1, 2… in order of appearance, whatever its IR block index) and its
 *    first fragment carries id, type, name and `arguments: ""`;
 * 3. at `finish`: an empty delta with `finish_reason`;
 * 4. when `opts.includeUsage`: a usage chunk with `choices: []` (every other chunk then carries
 *    `"usage":null`, as OpenAI does);
 * 5. `data: [DONE]`.
 *
 * An `error` event writes `data: {"error":{...}}` and ends the stream without `[DONE]`.
 * Every chunk repeats id / object / created / model and, when the events came from Chat, the
 * chunk fields kept in `start.extra['openai-chat']`. The chunk head is built once, so each event
 * costs one string concatenation and one `JSON.stringify` of its payload.
 */

import { mintId } from '../common/ids.ts'
import { signatureFor } from '../common/provenance.ts'
import { type Emit, encodeSSEStream } from '../common/stream.ts'
import type { EncodeStreamOptions } from '../contract.ts'
import type { Provenance, StreamEvent, Usage } from '../ir.ts'
import { errorBody } from './errors.ts'
import { encodeFinishReason, encodeUsage } from './response.ts'
import { chatHints, DIALECT } from './types.ts'

type Kind = 'text' | 'thinking' | 'tool_call'

export function encodeStreamCore(opts: EncodeStreamOptions = {}) {
  const usageNull = opts.includeUsage ? ',"usage":null' : ''
  let head = '' // `data: {"id":…,"choices":[`
  let choiceTail = ',"logprobs":null,"finish_reason":null}]' + usageNull + '}\n\n'
  let finishTail = ',"logprobs":null,"finish_reason":'
  /** The events came from a Chat decoder: its `start` carried Chat hints. */
  let own = false
  let started = false
  let done = false
  let finished = false
  let usage: Usage | undefined
  const kinds = new Map<number, Kind>()
  const provenances = new Map<number, Provenance | undefined>()
  const toolIndex = new Map<number, number>()
  /** Tool blocks still waiting for argument text: closing one of them writes `{}`. */
  const noArgs = new Set<number>()
  let nextTool = 0

  const chunk = (delta: string) => `${head}{"index":0,"delta":${delta}${choiceTail}`
  const closeTool = (index: number): string =>
    noArgs.delete(index)
      ? chunk(`{"tool_calls":[{"index":${toolIndex.get(index)},"function":{"arguments":"{}"}}]}`)
      : ''

  const begin = (write: Emit<string>, ev?: StreamEvent & { type: 'start' }) => {
    started = true
    const hints = chatHints(ev?.extra)
    own = hints !== undefined
    const id = ev?.id || mintId('chatcmpl-')
    const model = opts.model ?? ev?.model ?? ''
    let h = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk"`
    if (hints?.created !== 'absent') h += `,"created":${ev?.created ?? Math.floor(Date.now() / 1000)}`
    h += `,"model":${JSON.stringify(model)}`
    if (hints) {
      const fields = hints.fields
      if (fields) for (const k in fields) h += `,${JSON.stringify(k)}:${JSON.stringify(fields[k])}`
      if (hints.logprobs === 'absent') {
        choiceTail = ',"finish_reason":null}]' + usageNull + '}\n\n'
        finishTail = ',"finish_reason":'
      }
    }
    head = h + ',"choices":['
    if (ev?.usage) usage = ev.usage
    write(chunk('{"role":"assistant","content":""}'))
  }

  const sign = (signature: string, prov: Provenance | undefined) =>
    signatureFor(DIALECT, signature, prov ?? opts.provenance)

  return encodeSSEStream<StreamEvent>(
    (ev, write) => {
      if (done) return
      if (!started && ev.type !== 'error') begin(write, ev.type === 'start' ? ev : undefined)
      switch (ev.type) {
        case 'start':
        case 'ping':
        case 'encrypted_reasoning': // Chat has no field for encrypted reasoning
          return
        case 'block_stop': {
          const s = closeTool(ev.index)
          if (s) write(s)
          return
        }
        case 'block_start': {
          const b = ev.block
          kinds.set(ev.index, b.kind)
          if (b.kind === 'thinking') provenances.set(ev.index, b.provenance)
          else if (b.kind === 'tool_call') {
            const k = nextTool++
            toolIndex.set(ev.index, k)
            noArgs.add(ev.index)
            let call = `{"index":${k},"id":${JSON.stringify(b.id)},"type":"function","function":{"name":${JSON.stringify(b.name)},"arguments":""}`
            if (b.thoughtSignature !== undefined)
              call += `,"extra_content":{"google":{"thought_signature":${JSON.stringify(sign(b.thoughtSignature, b.provenance))}}}`
            write(chunk(`{"tool_calls":[${call}}]}`))
          }
          return
        }
        case 'text_delta':
          if (ev.text !== '') write(chunk(`{"content":${JSON.stringify(ev.text)}}`))
          return
        case 'thinking_delta':
          if (ev.text !== '') write(chunk(`{"reasoning_content":${JSON.stringify(ev.text)}}`))
          return
        case 'signature': {
          const kind = kinds.get(ev.index)
          const sig = JSON.stringify(sign(ev.signature, ev.provenance ?? provenances.get(ev.index)))
          if (kind === 'tool_call') {
            write(
              chunk(
                `{"tool_calls":[{"index":${toolIndex.get(ev.index)},"extra_content":{"google":{"thought_signature":${sig}}}}]}`,
              ),
            )
          } else if (kind !== 'text') write(chunk(`{"reasoning_signature":${sig}}`))
          // A Gemini signature on a text part has no Chat field.
          return
        }
        case 'tool_args_delta': {
          let k = toolIndex.get(ev.index)
          if (k === undefined) {
            k = nextTool++
            toolIndex.set(ev.index, k)
          }
          if (ev.delta !== '') {
            noArgs.delete(ev.index)
            write(
              chunk(`{"tool_calls":[{"index":${k},"function":{"arguments":${JSON.stringify(ev.delta)}}}]}`),
            )
          }
          return
        }
        case 'usage':
          usage = ev.usage
          return
        case 'finish': {
          if (ev.usage) usage = ev.usage
          if (finished) return
          finished = true
          for (const index of [...noArgs]) write(closeTool(index))
          const reason = encodeFinishReason(ev.stopReason, ev.rawStopReason, own)
          write(`${head}{"index":0,"delta":{}${finishTail}${JSON.stringify(reason)}}]${usageNull}}\n\n`)
          return
        }
        case 'error':
          done = true
          write(`data: ${JSON.stringify(errorBody(ev.error))}\n\n`)
          return
      }
    },
    (write) => {
      if (done || !started) return
      if (opts.includeUsage && usage)
        write(`${head}],"usage":${JSON.stringify(encodeUsage(usage, chatHints(usage.extra, own)))}}\n\n`)
      write('data: [DONE]\n\n')
    },
  )
}
