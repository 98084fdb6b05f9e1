/**
 * The wire facts of the `Dialect` contract, per dialect: what the gateway reads instead of
 * naming a dialect.
 */
import { describe, expect, test } from 'bun:test'
import { codeAssist } from '../../src/dialects/gemini/index.ts'
import { DIALECTS } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { parseSSE } from '../../src/sse.ts'
import { textTurn } from '../helpers/ir-turn.ts'

const chat = dialects['openai-chat']
const responses = dialects['openai-responses']
const anthropic = dialects['anthropic-messages']
const gemini = dialects.gemini

/** A request from another dialect (Chat), so no round-trip hints shape the encodes below. */
const request = chat.decodeRequest({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi' },
  ],
  max_tokens: 64,
  temperature: 0.5,
})

describe('setModel', () => {
  test.each(['openai-chat', 'openai-responses', 'anthropic-messages'] as const)(
    '%s names the model in the body',
    (name) => {
      const body: Record<string, unknown> = { model: 'asked', other: 1 }
      dialects[name].setModel(body, 'upstream-model')
      expect(body).toEqual({ model: 'upstream-model', other: 1 })
    },
  )

  test('gemini leaves the body alone: the model travels in the URL', () => {
    const body: Record<string, unknown> = { contents: [] }
    gemini.setModel(body, 'upstream-model')
    expect(body).toEqual({ contents: [] })
    expect(codeAssist.setModel).toBe(gemini.setModel)
  })
})

test('supportsToolNamespaces: only Responses declares tool namespaces', () => {
  expect(DIALECTS.filter((n) => dialects[n].supportsToolNamespaces)).toEqual(['openai-responses'])
})

describe('askStreamUsage', () => {
  test('openai-chat asks for include_usage, keeping the other stream options', () => {
    const body = { model: 'm', stream: true, stream_options: { other: 1 } }
    expect(chat.askStreamUsage(body)).toEqual({
      model: 'm',
      stream: true,
      stream_options: { other: 1, include_usage: true },
    })
    expect(body.stream_options).toEqual({ other: 1 })
    expect(chat.askStreamUsage({ model: 'm' })).toEqual({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
    })
  })

  test.each(['openai-responses', 'anthropic-messages', 'gemini'] as const)(
    '%s streams always end with usage: the body is sent as it is',
    (name) => {
      const body = { model: 'm', stream: true }
      expect(dialects[name].askStreamUsage(body)).toBe(body)
    },
  )
})

describe('clientWantsStreamUsage', () => {
  test('openai-chat: only when the client set include_usage', () => {
    expect(chat.clientWantsStreamUsage({ stream_options: { include_usage: true } })).toBe(true)
    expect(chat.clientWantsStreamUsage({ stream_options: { include_usage: false } })).toBe(false)
    expect(chat.clientWantsStreamUsage({ stream_options: 'yes' })).toBe(false)
    expect(chat.clientWantsStreamUsage({})).toBe(false)
  })

  test.each(['openai-responses', 'anthropic-messages', 'gemini'] as const)('%s: always', (name) => {
    expect(dialects[name].clientWantsStreamUsage({})).toBe(true)
  })
})

test('streamNeedsInputTokens: only Anthropic (message_start carries them)', () => {
  expect(DIALECTS.filter((n) => dialects[n].streamNeedsInputTokens)).toEqual(['anthropic-messages'])
})

describe('passthrough markers', () => {
  /** A stream of the dialect for a short answer, as its own encoder writes it. */
  function wire(name: (typeof DIALECTS)[number]): string {
    let out = ''
    const write = (s: string) => {
      out += s
    }
    const core = dialects[name].encodeStreamCore({ includeUsage: true })
    for (const ev of textTurn(
      'hello',
      { usage: { inputTokens: 5, outputTokens: 0 } },
      { inputTokens: 5, outputTokens: 2 },
    ))
      core.push(ev, write)
    core.end(write)
    return out
  }

  test.each(DIALECTS)('%s: every usage-bearing event and the terminal one hold a marker', (name) => {
    const m = dialects[name].passthrough
    const events = parseSSE(wire(name))
    const marked = (data: string, ev: { event?: string }) =>
      [...m.first, ...m.last].some((k) => data.includes(k) || ev.event === k)
    for (const ev of events) {
      const payload = ev.data.startsWith('{') ? JSON.parse(ev.data) : undefined
      const carries =
        payload !== undefined &&
        (dialects[name].responseUsage(payload) !== undefined ||
          m.usageCarriers.some((k) => payload[k] && dialects[name].responseUsage(payload[k]) !== undefined))
      if (carries) expect(marked(ev.data, ev)).toBe(true)
    }
    const last = events[events.length - 1]!
    expect(marked(last.data, last)).toBe(true)
  })

  test.each(DIALECTS)('%s: outcome.end knows the terminal event and no other', (name) => {
    const outcome = dialects[name].passthrough.outcome
    const events = parseSSE(wire(name))
    if (name === 'gemini') {
      expect(outcome).toBeUndefined()
      return
    }
    expect(outcome).toBeDefined()
    const ends = events.map((ev) => outcome!.end(ev.data))
    expect(ends[ends.length - 1]).toBe(true)
    expect(ends.slice(0, -1)).not.toContain(true)
  })

  test.each(DIALECTS)("%s: an error event holds one of outcome's error markers", (name) => {
    const outcome = dialects[name].passthrough.outcome
    if (!outcome) return
    let out = ''
    const core = dialects[name].encodeStreamCore()
    core.push({ type: 'error', error: { kind: 'overloaded', message: 'busy' } }, (s) => {
      out += s
    })
    expect(outcome.errors.some((m) => out.includes(m))).toBe(true)
  })

  test('usage carriers: where each dialect wraps a response that carries usage', () => {
    expect(chat.passthrough.usageCarriers).toEqual([])
    expect(responses.passthrough.usageCarriers).toEqual(['response'])
    expect(anthropic.passthrough.usageCarriers).toEqual(['message'])
    expect(gemini.passthrough.usageCarriers).toEqual(['response'])
  })

  test("usageOnlyChunk: only Chat's usage-only chunk, and it marks that chunk alone", () => {
    expect(DIALECTS.filter((n) => dialects[n].passthrough.usageOnlyChunk !== undefined)).toEqual([
      'openai-chat',
    ])
    const marker = chat.passthrough.usageOnlyChunk!
    const events = parseSSE(wire('openai-chat')).filter((ev) => ev.data.includes(marker))
    expect(events).toHaveLength(1)
    expect(JSON.parse(events[0]!.data).usage.completion_tokens).toBe(2)
  })
})

describe('countTokens', () => {
  test('anthropic: the count body keeps the fields the count endpoint takes, nothing else', () => {
    const full = anthropic.encodeRequest(request, { model: 'claude-x' })
    expect(full).toHaveProperty('max_tokens')
    expect(full).toHaveProperty('temperature')
    const body = anthropic.countTokens!.body(request, { model: 'claude-x' })
    expect(body).toEqual({ model: 'claude-x', messages: full.messages, system: full.system })
    expect(anthropic.countTokens!.read({ input_tokens: 12 })).toBe(12)
    expect(anthropic.countTokens!.read({ totalTokens: 12 })).toBeUndefined()
    expect(anthropic.countTokens!.answer(7)).toEqual({ input_tokens: 7 })
  })

  test('gemini: the generateContent body wrapped with the model, answered as totalTokens', () => {
    const body = gemini.countTokens!.body(request, { model: 'gemini-x' })
    expect(body).toEqual({
      generateContentRequest: {
        model: 'models/gemini-x',
        ...gemini.encodeRequest(request, { model: 'gemini-x' }),
      },
    })
    expect(gemini.countTokens!.read({ totalTokens: 9 })).toBe(9)
    expect(gemini.countTokens!.read({ input_tokens: 9 })).toBeUndefined()
    expect(gemini.countTokens!.answer(7)).toEqual({ totalTokens: 7 })
  })

  test('the OpenAI dialects and the Code Assist envelope have no count endpoint here', () => {
    expect(chat.countTokens).toBeUndefined()
    expect(responses.countTokens).toBeUndefined()
    expect(codeAssist.countTokens).toBeUndefined()
  })
})
