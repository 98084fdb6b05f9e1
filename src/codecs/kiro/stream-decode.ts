/**
 * Kiro's answer, an AWS event stream (docs/protocols/kiro.md, "Answer events"), → IR stream
 * events:
 *
 * - `assistantResponseEvent {content}`: text, split into thinking and answer blocks where the
 *   model wrote `<thinking>` tags (`thinking-tags.ts`);
 * - `toolUseEvent {toolUseId, name, input, stop}`: one tool-call block per `toolUseId`, `input`
 *   arriving as fragments of the arguments' JSON text, `stop` closing it;
 * - `messageStopEvent`: the end (`tool_use` when a tool was called, else `end_turn`);
 * - an `exception` or `error` message, or a damaged frame: an `error` event, and nothing after it.
 *
 * Other events (`followupPromptEvent`, `supplementaryWebLinksEvent`, metering…) carry nothing a
 * client dialect has and are skipped. Kiro reports no token counts.
 */

import { mintId } from '../../dialects/common/ids.ts'
import { isObject, type JsonObject } from '../../dialects/common/json.ts'
import type { DecodeStreamOptions, Emit, StreamCore } from '../../dialects/contract.ts'
import type { ErrorInfo, Provenance, StreamEvent } from '../../dialects/ir.ts'
import type { EventMessage } from '../aws-event-stream/index.ts'
import { EventStreamDecoder, EventStreamError, stringHeader } from '../aws-event-stream/index.ts'
import { exceptionInfo } from './errors.ts'
import { type TextRun, ThinkingTagSplitter } from './thinking-tags.ts'
import { DIALECT } from './types.ts'

const utf8 = new TextDecoder()

interface ToolBlock {
  index: number
  args: boolean
  stopped: boolean
}

export function decodeStreamCore(opts: DecodeStreamOptions = {}): StreamCore<Uint8Array, StreamEvent> {
  const provenance: Provenance = opts.provenance ?? { dialect: DIALECT }
  const frames = new EventStreamDecoder()
  const splitter = new ThinkingTagSplitter()
  let started = false
  let ended = false
  let nextIndex = 0
  /** The open text or thinking block. */
  let run: { index: number; thinking: boolean } | undefined
  const tools = new Map<string, ToolBlock>()
  let sawTool = false

  const start = (emit: Emit<StreamEvent>) => {
    if (started) return
    started = true
    emit({ type: 'start', id: mintId('msg_'), model: provenance.model ?? DIALECT })
  }
  const closeRun = (emit: Emit<StreamEvent>) => {
    if (run) emit({ type: 'block_stop', index: run.index })
    run = undefined
  }
  const writeRuns = (runs: TextRun[], emit: Emit<StreamEvent>) => {
    for (const r of runs) {
      if (!run || run.thinking !== r.thinking) {
        closeRun(emit)
        run = { index: nextIndex++, thinking: r.thinking }
        emit({
          type: 'block_start',
          index: run.index,
          block: r.thinking ? { kind: 'thinking', provenance } : { kind: 'text' },
        })
      }
      emit(
        r.thinking
          ? { type: 'thinking_delta', index: run.index, text: r.text }
          : { type: 'text_delta', index: run.index, text: r.text },
      )
    }
  }
  const closeTool = (t: ToolBlock, emit: Emit<StreamEvent>) => {
    if (t.stopped) return
    t.stopped = true
    if (!t.args) emit({ type: 'tool_args_delta', index: t.index, delta: '{}' })
    emit({ type: 'block_stop', index: t.index })
  }
  const toolUse = (p: JsonObject, emit: Emit<StreamEvent>) => {
    const id = typeof p['toolUseId'] === 'string' ? p['toolUseId'] : ''
    let t = tools.get(id)
    if (!t) {
      writeRuns(splitter.end(), emit)
      closeRun(emit)
      t = { index: nextIndex++, args: false, stopped: false }
      tools.set(id, t)
      sawTool = true
      const name = typeof p['name'] === 'string' ? p['name'] : ''
      emit({
        type: 'block_start',
        index: t.index,
        block: { kind: 'tool_call', id: id || mintId('tooluse_'), name },
      })
    }
    if (t.stopped) return
    const input = p['input']
    const delta = typeof input === 'string' ? input : isObject(input) ? JSON.stringify(input) : ''
    if (delta !== '') {
      t.args = true
      emit({ type: 'tool_args_delta', index: t.index, delta })
    }
    if (p['stop'] === true) closeTool(t, emit)
  }
  const finishAll = (emit: Emit<StreamEvent>) => {
    writeRuns(splitter.end(), emit)
    closeRun(emit)
    for (const t of tools.values()) closeTool(t, emit)
    ended = true
    emit({ type: 'finish', stopReason: sawTool ? 'tool_use' : 'end_turn' })
  }
  const fail = (error: ErrorInfo, emit: Emit<StreamEvent>) => {
    ended = true
    emit({ type: 'error', error })
  }

  const onMessage = (m: EventMessage, emit: Emit<StreamEvent>) => {
    if (ended) return
    const kind = stringHeader(m.headers, ':message-type') ?? 'event'
    if (kind === 'error') {
      const code = stringHeader(m.headers, ':error-code') ?? 'InternalError'
      fail(exceptionInfo(code, stringHeader(m.headers, ':error-message') ?? code), emit)
      return
    }
    let payload: unknown
    try {
      payload = m.payload.byteLength === 0 ? {} : JSON.parse(utf8.decode(m.payload))
    } catch {
      fail({ kind: 'api_error', message: 'Kiro sent an event whose payload is not JSON', status: 502 }, emit)
      return
    }
    const p = isObject(payload) ? payload : {}
    if (kind === 'exception') {
      const type = stringHeader(m.headers, ':exception-type') ?? 'InternalServerException'
      fail(exceptionInfo(type, typeof p['message'] === 'string' ? p['message'] : type), emit)
      return
    }
    start(emit)
    switch (stringHeader(m.headers, ':event-type')) {
      case 'assistantResponseEvent':
        if (typeof p['content'] === 'string') writeRuns(splitter.push(p['content']), emit)
        return
      case 'toolUseEvent':
        toolUse(p, emit)
        return
      case 'messageStopEvent':
        finishAll(emit)
        return
      default:
        return
    }
  }

  return {
    push(bytes, emit) {
      if (ended) return
      try {
        frames.push(bytes, (m) => onMessage(m, emit))
      } catch (e) {
        if (!(e instanceof EventStreamError)) throw e
        fail(
          { kind: 'api_error', message: `Kiro's event stream is damaged: ${e.message}`, status: 502 },
          emit,
        )
      }
    },
    end(emit) {
      if (ended) return
      try {
        frames.end()
      } catch (e) {
        if (!(e instanceof EventStreamError)) throw e
        fail({ kind: 'api_error', message: `Kiro's event stream broke off: ${e.message}`, status: 502 }, emit)
        return
      }
      if (!started) {
        fail({ kind: 'api_error', message: 'Kiro answered with an empty stream', status: 502 }, emit)
        return
      }
      // The stream ended between messages without messageStopEvent: the answer is whole.
      finishAll(emit)
    },
  }
}
