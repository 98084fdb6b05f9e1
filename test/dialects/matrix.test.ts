/**
 * The 16 (inbound A, upstream B) pairs of dialects, through the IR, for requests (A → B), responses
 * and streams (A ← B). Each dialect tells the same story (`matrix-fixtures.ts`); the cases check
 * that its meaning survives the crossing, that A === B is the identity, and where a codec
 * deliberately loses something (its header comment says so) the case asserts that and says so
 * in its title.
 */
import { describe, expect, test } from 'bun:test'
import { unwrapSignature } from '../../src/dialects/common/provenance.ts'
import { budgetOf, effortOf } from '../../src/dialects/common/reasoning.ts'
import {
  DIALECTS,
  DialectError,
  type DialectName,
  type Part,
  type Provenance,
  type Request,
  type Response,
  type StreamEvent,
  type ThinkingPart,
  type Usage,
} from '../../src/dialects/ir.ts'
import { REDACTED_PREFIX } from '../../src/dialects/openai-responses/reasoning.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { parseSSE } from '../../src/sse.ts'
import {
  ASSISTANT_TEXT,
  BUDGET,
  CALLS,
  fixtures,
  IMAGE,
  IMAGE_URL,
  MAX_TOKENS,
  TARGETS,
  THINKING,
  TOOLS,
} from './matrix-fixtures.ts'

type Json = Record<string, unknown>

const PAIRS = DIALECTS.flatMap((a) => DIALECTS.map((b) => [a, b] as [DialectName, DialectName]))

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T
const utf8 = (s: string) => new TextEncoder().encode(s)

async function pipe<I, O>(input: readonly I[], ts: TransformStream<I, O>): Promise<O[]> {
  const source = new ReadableStream<I>({
    start(c) {
      for (const x of input) c.enqueue(x)
      c.close()
    },
  })
  const out: O[] = []
  for await (const o of source.pipeThrough(ts)) out.push(o)
  return out
}

const provenanceOf = (d: DialectName): Provenance => ({ dialect: d, ...TARGETS[d] })

// ---------------------------------------------------------------------------------------------
// What a request means, dialect-neutral

const textsOf = (parts: readonly Part[]): string[] =>
  parts.flatMap((p) => (p.type === 'text' && p.text !== '' ? [p.text] : []))

function meaning(req: Request) {
  const of = (role: string) => req.messages.filter((m) => m.role === role).flatMap((m) => m.content)
  const calls = of('assistant').flatMap((p) => (p.type === 'tool_call' ? [p] : []))
  const byId = new Map(calls.map((c) => [c.id, c]))
  const results = req.messages.flatMap((m) => m.content.flatMap((p) => (p.type === 'tool_result' ? [p] : [])))
  return {
    system: [...req.system.map((p) => p.text), ...textsOf(of('system'))].join('\n\n'),
    user: textsOf(of('user')),
    images: of('user').flatMap((p): Json[] => {
      if (p.type !== 'image') return []
      const src = p.source
      if (src.kind === 'base64') return [{ mediaType: src.mediaType, data: src.data }]
      return [src.kind === 'url' ? { url: src.url } : { fileId: src.fileId }]
    }),
    tools: (req.tools ?? []).flatMap((t) =>
      t.kind === 'function' ? [{ name: t.name, parameters: t.parameters }] : [],
    ),
    calls: calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) as unknown })),
    callIds: calls.map((c) => c.id),
    /** Each result with the call its id answers (`name: undefined` when it answers none). */
    pairs: results.map((r) => {
      const call = byId.get(r.toolCallId)
      return {
        name: call?.name,
        args: call && (JSON.parse(call.arguments) as unknown),
        result: textsOf(r.content).join(''),
      }
    }),
    assistant: textsOf(of('assistant')),
    thinking: of('assistant').filter((p): p is ThinkingPart => p.type === 'thinking'),
    maxOutputTokens: req.maxOutputTokens,
    temperature: req.temperature,
    topP: req.topP,
  }
}

/** The story's request has the URL image unless it goes to Gemini (which cannot fetch it). */
const urlImageFor = (a: DialectName, b: DialectName) => b !== 'gemini' || a === 'gemini'

// ---------------------------------------------------------------------------------------------
// Opaque reasoning: what it is, where each dialect's client can hold it

type OpaqueKind = 'signature' | 'encrypted' | 'redacted' | 'callSignature' | 'textSignature'
interface Opaque {
  kind: OpaqueKind
  value: string
  /** The thinking text a signature vouches for. */
  text?: string
}

function opaquesOf(parts: readonly Part[]): Opaque[] {
  const out: Opaque[] = []
  for (const p of parts) {
    if (p.type === 'thinking') {
      if (p.signature !== undefined) out.push({ kind: 'signature', value: p.signature, text: p.text })
      if (p.encrypted !== undefined) out.push({ kind: 'encrypted', value: p.encrypted })
      if (p.redacted !== undefined) out.push({ kind: 'redacted', value: p.redacted })
    } else if (p.type === 'tool_call' && p.thoughtSignature !== undefined) {
      out.push({ kind: 'callSignature', value: p.thoughtSignature })
    } else if (p.type === 'text' && p.thoughtSignature !== undefined) {
      out.push({ kind: 'textSignature', value: p.thoughtSignature })
    }
  }
  return out
}

/**
 * Which opaque values a client of each dialect can hold and send back (the response.ts headers):
 * Chat has `reasoning_signature` and Gemini's `extra_content.google.thought_signature` on tool
 * calls, no field for encrypted or redacted reasoning; Responses and Anthropic keep every kind of
 * thinking opaque (in `encrypted_content` / `signature` / `redacted_thinking`) but have no field
 * for a signature on a tool call; Gemini has `thoughtSignature` on any part but no form for
 * encrypted or redacted reasoning.
 */
const CARRIES: Record<DialectName, readonly OpaqueKind[]> = {
  'openai-chat': ['signature', 'callSignature'],
  'openai-responses': ['signature', 'encrypted', 'redacted'],
  'anthropic-messages': ['signature', 'encrypted', 'redacted'],
  gemini: ['signature', 'callSignature', 'textSignature'],
}

/** The opaque strings as they sit in a response body of each dialect. */
function rawOpaques(d: DialectName, body: Json): string[] {
  const strings = (v: unknown[]) => v.filter((s): s is string => typeof s === 'string')
  switch (d) {
    case 'openai-chat': {
      const m = (body.choices as Json[])[0]!.message as Json
      const calls = (m.tool_calls as Json[] | undefined) ?? []
      return strings([
        m.reasoning_signature,
        ...calls.map(
          (c) => ((c.extra_content as Json | undefined)?.google as Json | undefined)?.thought_signature,
        ),
      ])
    }
    case 'openai-responses':
      return strings((body.output as Json[]).map((i) => i.encrypted_content))
    case 'anthropic-messages':
      return strings((body.content as Json[]).map((b) => b.signature ?? b.data))
    case 'gemini':
      return strings(
        (((body.candidates as Json[])[0]!.content as Json).parts as Json[]).map((p) => p.thoughtSignature),
      )
  }
}

// ---------------------------------------------------------------------------------------------
// Usage

const promptTotal = (u: Usage) => u.inputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0)
/**
 * Dialects whose usage has a cache-write field; the others fold writes into input
 * (docs/protocols/usage-and-stop-reasons.md, "Usage").
 */
const CACHE_WRITES: ReadonlySet<DialectName> = new Set(['openai-responses', 'anthropic-messages'])

function expectUsage(a: DialectName, got: Usage | undefined, want: Usage | undefined) {
  expect(want).toBeDefined()
  expect(got).toBeDefined()
  if (!got || !want) return
  expect(promptTotal(got)).toBe(promptTotal(want))
  expect(got.outputTokens).toBe(want.outputTokens)
  expect(got.cacheReadTokens ?? 0).toBe(want.cacheReadTokens ?? 0)
  expect(got.reasoningTokens ?? 0).toBe(want.reasoningTokens ?? 0)
  if (CACHE_WRITES.has(a)) expect(got.cacheWriteTokens ?? 0).toBe(want.cacheWriteTokens ?? 0)
  else expect(got.inputTokens).toBe(want.inputTokens + (want.cacheWriteTokens ?? 0))
}

// ---------------------------------------------------------------------------------------------
// Streams

interface StreamSummary {
  text: string
  thinking: string
  calls: { index: number; id: string; name: string; args: string }[]
  finish: Extract<StreamEvent, { type: 'finish' }> | undefined
  error: Extract<StreamEvent, { type: 'error' }> | undefined
  usage: Usage | undefined
  startUsage: Usage | undefined
}

function summarize(events: readonly StreamEvent[]): StreamSummary {
  const s: StreamSummary = {
    text: '',
    thinking: '',
    calls: [],
    finish: undefined,
    error: undefined,
    usage: undefined,
    startUsage: undefined,
  }
  const byIndex = new Map<number, StreamSummary['calls'][number]>()
  for (const ev of events) {
    switch (ev.type) {
      case 'start':
        s.startUsage = ev.usage
        s.usage = ev.usage
        break
      case 'block_start':
        if (ev.block.kind === 'tool_call') {
          const call = { index: ev.index, id: ev.block.id, name: ev.block.name, args: '' }
          byIndex.set(ev.index, call)
          s.calls.push(call)
        }
        break
      case 'text_delta':
        s.text += ev.text
        break
      case 'thinking_delta':
        s.thinking += ev.text
        break
      case 'tool_args_delta': {
        const call = byIndex.get(ev.index)
        if (call) call.args += ev.delta
        break
      }
      case 'usage':
        s.usage = ev.usage
        break
      case 'finish':
        s.finish = ev
        if (ev.usage) s.usage = ev.usage
        break
      case 'error':
        s.error = ev
        break
    }
  }
  return s
}

/** Opaque values in a stream of IR events, by what they sign. */
function streamOpaques(events: readonly StreamEvent[]): Opaque[] {
  const kinds = new Map<number, string>()
  const out: Opaque[] = []
  for (const ev of events) {
    if (ev.type === 'block_start') {
      kinds.set(ev.index, ev.block.kind)
      if (ev.block.kind === 'tool_call' && ev.block.thoughtSignature !== undefined)
        out.push({ kind: 'callSignature', value: ev.block.thoughtSignature })
      if (ev.block.kind === 'thinking' && ev.block.redacted !== undefined)
        out.push({ kind: 'redacted', value: ev.block.redacted })
    } else if (ev.type === 'signature') {
      const kind = kinds.get(ev.index)
      out.push({
        kind: kind === 'text' ? 'textSignature' : kind === 'tool_call' ? 'callSignature' : 'signature',
        value: ev.signature,
      })
    } else if (ev.type === 'encrypted_reasoning') out.push({ kind: 'encrypted', value: ev.data })
  }
  return out
}

/** The SSE of each dialect is well framed (and, for a successful stream, properly terminated). */
function expectFraming(a: DialectName, wire: string, ok: boolean) {
  const events = parseSSE(wire)
  expect(events.length).toBeGreaterThan(0)
  switch (a) {
    case 'openai-chat': {
      const last = events[events.length - 1]!.data
      if (!ok) {
        expect(last).not.toBe('[DONE]')
        expect((JSON.parse(last) as Json).error).toBeDefined()
        return
      }
      expect(last).toBe('[DONE]')
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as Json)
      for (const c of chunks) {
        expect(c.object).toBe('chat.completion.chunk')
        expect(c.id).toBe(chunks[0]!.id)
      }
      // The usage chunk (include_usage) comes last, with no choices.
      expect(chunks[chunks.length - 1]!.choices).toEqual([])
      expect(chunks[chunks.length - 1]!.usage).toBeDefined()
      // Each tool call opens once (id + name on its first fragment) under a distinct index 0, 1, …
      const opened: number[] = []
      for (const c of chunks) {
        for (const choice of c.choices as Json[]) {
          const calls = ((choice.delta as Json).tool_calls as Json[] | undefined) ?? []
          for (const tc of calls) {
            if (tc.id !== undefined) {
              expect(opened).not.toContain(tc.index as number)
              expect((tc.function as Json).name).toBeString()
              opened.push(tc.index as number)
            } else expect(opened).toContain(tc.index as number)
          }
        }
      }
      expect(opened).toEqual(opened.map((_, i) => i))
      return
    }
    case 'openai-responses': {
      const items = new Set<string>()
      events.forEach((e, i) => {
        const d = JSON.parse(e.data) as Json
        expect(d.type).toBe(e.event as string)
        expect(d.sequence_number).toBe(i)
        if (d.type === 'response.output_item.added') items.add((d.item as Json).id as string)
        else if (typeof d.item_id === 'string') expect(items).toContain(d.item_id)
      })
      expect(events[0]!.event).toBe('response.created')
      expect(events[events.length - 1]!.event).toBe(ok ? 'response.completed' : 'response.failed')
      return
    }
    case 'anthropic-messages': {
      expect(events[0]!.event).toBe('message_start')
      const started: number[] = []
      const stopped = new Set<number>()
      for (const e of events) {
        const d = JSON.parse(e.data) as Json
        expect(d.type).toBe(e.event as string)
        const index = d.index as number
        if (d.type === 'content_block_start') {
          expect(index).toBe(started.length)
          expect(stopped.size).toBe(started.length) // one block at a time
          started.push(index)
        } else if (d.type === 'content_block_delta') {
          expect(started).toContain(index)
          expect(stopped.has(index)).toBe(false)
        } else if (d.type === 'content_block_stop') {
          expect(started).toContain(index)
          expect(stopped.has(index)).toBe(false)
          stopped.add(index)
        }
      }
      const tail = events.slice(-2).map((e) => e.event)
      if (ok) {
        expect(tail).toEqual(['message_delta', 'message_stop'])
        expect(stopped.size).toBe(started.length)
      } else expect(tail[1]).toBe('error')
      return
    }
    case 'gemini': {
      expect(wire.endsWith('\r\n\r\n')).toBe(true)
      const frames = wire.split('\r\n\r\n').slice(0, -1)
      for (const f of frames) expect(f.startsWith('data: {')).toBe(true)
      const chunks = events.map((e) => {
        expect(e.event).toBeUndefined()
        return JSON.parse(e.data) as Json
      })
      const last = chunks[chunks.length - 1]!
      if (!ok) expect(last.error).toBeDefined()
      else expect(((last.candidates as Json[])[0] as Json).finishReason).toBe('STOP')
      return
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe.each(PAIRS)('%s ⇄ %s', (A, B) => {
  const a = dialects[A]
  const b = dialects[B]
  const fa = fixtures[A]
  const fb = fixtures[B]
  const target = TARGETS[B]
  const same = A === B
  const decodeA = (body: unknown) => a.decodeRequest(body, { model: TARGETS[A].model })
  const decodeB = (body: unknown) => b.decodeRequest(body, { model: target.model })
  const kept = CARRIES[A]
  const lost = (['signature', 'encrypted', 'redacted', 'callSignature', 'textSignature'] as const).filter(
    (k) => !kept.includes(k),
  )

  describe(`${A} → ${B} request`, () => {
    if (same) {
      test(`${A} → ${B}: identity, the body comes back deep-equal`, () => {
        const body = fa.request()
        expect(json(b.encodeRequest(decodeA(body), target))).toEqual(body)
      })
      return
    }

    // A tool loop from another dialect has no native leading thinking block, so the Anthropic
    // encoder turns thinking off (request.ts header); the reasoning case below covers the mapping.
    const loopDropsThinking = B === 'anthropic-messages'
    test(
      `${A} → ${B}: system, user text, images, tools, call↔result pairing (same function, answered out of order), max tokens and sampling survive` +
        (loopDropsThinking ? ' (documented: a foreign tool loop turns Anthropic thinking off)' : ''),
      () => {
        const irA = decodeA(fa.request({ urlImage: urlImageFor(A, B) }))
        const want = meaning(irA)
        const irB = decodeB(b.encodeRequest(irA, target))
        const got = meaning(irB)

        const answers = CALLS.map((c) => ({ name: c.name, args: c.args, result: c.result }))
        const byResult = (ps: { result: string }[]) =>
          [...ps].sort((x, y) => x.result.localeCompare(y.result))

        // The fixture carries everything it should.
        expect(want.images.length).toBe(urlImageFor(A, B) ? 2 : 1)
        expect(byResult(want.pairs)).toEqual(answers)

        expect(got.system).toBe(want.system)
        expect(got.user).toEqual(want.user)
        expect(got.images).toEqual(want.images)
        expect(got.images).toContainEqual({ mediaType: IMAGE.mediaType, data: IMAGE.data })
        expect(got.tools).toEqual(TOOLS.map((t) => ({ name: t.name, parameters: t.parameters })))
        expect(got.calls).toEqual(CALLS.map((c) => ({ name: c.name, args: c.args })))
        expect(new Set(got.callIds).size).toBe(CALLS.length)
        // Ids may be minted, sanitised or (Gemini) dropped, but every result still answers its own
        // call. Regression (B = gemini): results answered out of order were paired by position.
        expect(byResult(got.pairs)).toEqual(answers)
        expect(got.assistant).toEqual([ASSISTANT_TEXT])
        expect(got.maxOutputTokens).toBe(MAX_TOKENS)
        expect(got.topP).toBe(want.topP)
        expect(got.temperature).toBe(want.temperature)
        if (loopDropsThinking) expect(irB.reasoning).toBeUndefined()
        else expect(effortOf(irB.reasoning)).toBe('high')
      },
    )

    // Regression (A = openai-responses, B = openai-chat): the first of two summaries looked like
    // plain reasoning to Chat and leaked as reasoning_content; the item's encrypted_content covers it.
    test(`${A} → ${B}: ${A}'s signed thinking is not native to ${B}, so all of it is dropped`, () => {
      const irA = decodeA(fa.request({ urlImage: urlImageFor(A, B) }))
      const thoughts = meaning(irA).thinking.map((t) => t.text)
      expect(thoughts.join(' ')).toBe(THINKING)
      const body = b.encodeRequest(irA, target)
      const got = meaning(decodeB(body))
      expect(got.thinking).toEqual([])
      expect(got.assistant).toEqual([ASSISTANT_TEXT])
      expect(JSON.stringify(body)).not.toContain(thoughts[0]!)
      expect(decodeB(body).messages.flatMap((m) => opaquesOf(m.content))).toEqual([])
    })

    // Chat's assistant `content` is one string: its texts are joined (request.ts header).
    const joins = B === 'openai-chat'
    test(
      `${A} → ${B}: with foreignThinking 'text', ${A}'s thinking becomes plain text` +
        (joins ? " (documented: Chat joins an assistant turn's texts into one string)" : ''),
      () => {
        const irA = decodeA(fa.request({ urlImage: urlImageFor(A, B) }))
        const texts = [...meaning(irA).thinking.map((t) => t.text), ASSISTANT_TEXT]
        const irB = decodeB(b.encodeRequest(irA, { ...target, foreignThinking: 'text' }))
        const got = meaning(irB)
        expect(got.thinking).toEqual([])
        expect(got.assistant).toEqual(joins ? [texts.join('')] : texts)
      },
    )

    test(
      `${A} → ${B}: reasoning level/budget follow the mapping tables` +
        (B === 'anthropic-messages' ? ' (documented: thinking on drops temperature)' : ''),
      () => {
        const irA = decodeA(fa.request({ urlImage: urlImageFor(A, B), history: false }))
        expect(effortOf(irA.reasoning)).toBe('high')
        const body = b.encodeRequest(irA, target)
        const irB = decodeB(body)
        expect(effortOf(irB.reasoning)).toBe('high')
        if (B === 'anthropic-messages' || B === 'gemini') expect(budgetOf(irB.reasoning)).toBe(BUDGET)
        expect(irB.maxOutputTokens).toBe(MAX_TOKENS)
        if (B === 'anthropic-messages') {
          expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: BUDGET })
          expect(body.temperature).toBeUndefined()
          expect(body.top_p).toBe(irA.topP ?? undefined)
        }
      },
    )

    if (B === 'gemini') {
      test(`${A} → ${B}: an http image URL is a DialectError naming the field`, () => {
        const irA = decodeA(fa.request({ urlImage: true }))
        const i = irA.messages.findIndex((m) => m.role === 'user')
        const j = irA.messages[i]!.content.findIndex((p) => p.type === 'image' && p.source.kind === 'url')
        expect(j).toBeGreaterThanOrEqual(0)
        let err: unknown
        try {
          b.encodeRequest(irA, target)
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(DialectError)
        const info = (err as DialectError).info
        expect(info.kind).toBe('invalid_request')
        expect(info.param).toBe(`messages.${i}.content.${j}.source.url`)
        expect(info.message).toContain(IMAGE_URL)
      })
    }
  })

  describe(`${A} ← ${B} response`, () => {
    const decodeUpstream = () => {
      const upstream = fb.response()
      return { upstream, res: b.decodeResponse(upstream, { provenance: provenanceOf(B) }) }
    }

    test(`${A} ← ${B}: text, tool calls, stop reason and usage${same ? '; identity' : ''}`, () => {
      const { upstream, res } = decodeUpstream()
      const body = json(a.encodeResponse(res))
      if (same) expect(body).toEqual(upstream)
      const back: Response = a.decodeResponse(body)

      // The fixture carries everything it should.
      expect(textsOf(res.content).length).toBeGreaterThan(0)
      expect(res.content.some((p) => p.type === 'thinking')).toBe(true)
      expect(res.usage?.cacheReadTokens).toBeGreaterThan(0)
      expect(res.usage?.reasoningTokens).toBeGreaterThan(0)

      expect(textsOf(back.content).join('')).toBe(textsOf(res.content).join(''))
      const calls = (r: Response) =>
        r.content.flatMap((p) =>
          p.type === 'tool_call' ? [{ name: p.name, args: JSON.parse(p.arguments) }] : [],
        )
      expect(calls(res).length).toBeGreaterThanOrEqual(2)
      expect(calls(back)).toEqual(calls(res))
      const ids = (r: Response) => r.content.flatMap((p) => (p.type === 'tool_call' ? [p.id] : []))
      // Gemini has no call ids on the wire: its decoder mints fresh ones.
      if (A === 'gemini') expect(new Set(ids(back)).size).toBe(ids(res).length)
      else expect(ids(back)).toEqual(ids(res))
      expect(back.stopReason).toBe('tool_use')
      expectUsage(A, back.usage, res.usage)
    })

    if (same) return

    test(
      `${A} ← ${B}: signatures reach ${A} wrapped with their provenance and go back to ${B} as the original bytes` +
        ` (documented: ${A} has no field for ${lost.join('/')})`,
      () => {
        const { res } = decodeUpstream()
        const original = opaquesOf(res.content)
        expect(original.length).toBeGreaterThan(0)
        const body = json(a.encodeResponse(res))

        const raw = rawOpaques(A, body)
        for (const s of raw) {
          expect(s.startsWith('byok1.')).toBe(true)
          const u = unwrapSignature(s, A)
          expect(u.provenance).toEqual(provenanceOf(B))
        }

        const carried = original.filter((o) => kept.includes(o.kind))
        // …and unwrapped when A's decoder reads them.
        const seen = opaquesOf(a.decodeResponse(body).content).filter((o) => o.value !== '')
        expect(seen.map((o) => o.value)).toEqual(expect.arrayContaining(carried.map((o) => o.value)))

        // A's client sends the turn back; B's upstream gets exactly the original opaque values.
        const irA = decodeA(fa.replay(body))
        const irB = decodeB(b.encodeRequest(irA, target))
        const assistant = irB.messages.filter((m) => m.role === 'assistant').flatMap((m) => m.content)
        expect(opaquesOf(assistant)).toEqual(carried)
      },
    )
  })

  describe(`${A} ← ${B} stream`, () => {
    const run = async (upstream: string) => {
      const events = await pipe([utf8(upstream)], b.decodeStream({ provenance: provenanceOf(B) }))
      const wire = Buffer.concat(await pipe(events, a.encodeStream({ includeUsage: true }))).toString('utf8')
      const back = await pipe([utf8(wire)], a.decodeStream())
      return { events, wire, back }
    }

    test(`${A} ← ${B}: text, parallel tool calls, usage, finish and signatures arrive in valid ${A} framing${same ? '; byte-equal' : ` (documented: ${A} has no field for ${lost.join('/')})`}`, async () => {
      const upstream = fb.stream()
      const { events, wire, back } = await run(upstream)
      if (same) expect(wire).toBe(upstream)
      expectFraming(A, wire, true)

      const want = summarize(events)
      const got = summarize(back)
      expect(want.text).not.toBe('')
      expect(want.thinking).not.toBe('')
      expect(want.calls.length).toBe(2)
      expect(got.error).toBeUndefined()

      expect(got.text).toBe(want.text)
      expect(got.thinking).toBe(want.thinking)
      expect(got.calls.map((c) => ({ name: c.name, args: JSON.parse(c.args) }))).toEqual(
        want.calls.map((c) => ({ name: c.name, args: JSON.parse(c.args) })),
      )
      expect(new Set(got.calls.map((c) => c.index)).size).toBe(got.calls.length)
      // Gemini has no call ids on the wire: its decoder mints fresh ones.
      if (A === 'gemini') expect(new Set(got.calls.map((c) => c.id)).size).toBe(got.calls.length)
      else expect(got.calls.map((c) => c.id)).toEqual(want.calls.map((c) => c.id))
      expect(got.finish?.stopReason).toBe('tool_use')
      expectUsage(A, got.usage, want.usage)

      if (!same) {
        // B's signatures cross wrapped (`byok1.<provenance>.<original>`), never bare, where A has a
        // field for them; A's reader gets the original bytes back (Responses' stream reader leaves
        // the gateway's own wrapping on: an upstream never sends it).
        const carried = streamOpaques(events).filter((o) => kept.includes(o.kind))
        const seen = streamOpaques(back).map((o) => {
          const v = unwrapSignature(o.value, A).signature
          return v.startsWith(REDACTED_PREFIX) ? v.slice(REDACTED_PREFIX.length) : v
        })
        for (const o of carried) {
          expect(wire).not.toContain(`"${o.value}"`)
          expect(wire).toMatch(
            new RegExp(`"byok1\\.[\\w-]+\\.(${REDACTED_PREFIX})?${RegExp.escape(o.value)}"`),
          )
          expect(seen).toContain(o.value)
        }
      }
      if (A === 'anthropic-messages') {
        // Anthropic clients read input tokens in message_start: the upstream's, when it reported them there.
        const start = JSON.parse(parseSSE(wire)[0]!.data) as { message: { usage: Json } }
        expect(start.message.usage.input_tokens).toBe(want.startUsage?.inputTokens ?? 0)
      }
    })

    // Chat's error `type` has no overloaded or timeout, but the default `code` (server_is_overloaded,
    // timeout) carries the kind across.
    test(`${A} ← ${B}: an error mid-stream reaches ${A} as its in-stream error event`, async () => {
      const { events, wire, back } = await run(fb.streamError())
      expectFraming(A, wire, false)
      const want = summarize(events)
      const got = summarize(back)
      expect(want.error).toBeDefined()
      expect(got.error?.error.message).toBe(want.error?.error.message)
      expect(got.error?.error.kind).toBe(want.error!.error.kind)
      expect(got.finish).toBeUndefined()
      expect(want.text).not.toBe('')
      expect(got.text).toBe(want.text)
    })
  })
})
