/**
 * Requests exactly as real coding agents send them (recorded from Claude Code 2.1, Codex CLI 0.171
 * and Gemini CLI 0.61 talking to byokey, long texts trimmed), replayed against every upstream dialect. Each
 * fake upstream validates what it receives the way the real API does, so a translation the real
 * upstream would refuse fails here.
 */
import { describe, expect, test } from 'bun:test'
import type { DialectName } from '../../src/dialects/ir.ts'
import { parseSSE } from '../../src/sse.ts'
import claudeCode from '../fixtures/clients/claude-code-messages.json' with { type: 'json' }
import codexCli from '../fixtures/clients/codex-cli-responses.json' with { type: 'json' }
import geminiCli from '../fixtures/clients/gemini-cli-generate.json' with { type: 'json' }
import { fakeAnthropic, fakeGemini, fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'

const UPSTREAMS: DialectName[] = ['anthropic-messages', 'openai-chat', 'openai-responses', 'gemini']
const reply = { text: 'replayed fine', chunkText: 5 }

async function withUpstream<T>(
  dialect: DialectName,
  run: (url: string, upstream: { requests: Array<{ body: unknown; path: string }> }) => Promise<T>,
) {
  await using fake =
    dialect === 'anthropic-messages'
      ? fakeAnthropic(reply, { strictSignatures: true })
      : dialect === 'gemini'
        ? fakeGemini(reply)
        : fakeOpenAI(reply)
  const base = dialect === 'openai-chat' || dialect === 'openai-responses' ? `${fake.url}/v1` : fake.url
  await using gw = await testGateway({ upstreams: [{ name: 'up', dialect, base_url: base, api_key: 'k' }] })
  return await run(gw.url, fake)
}

describe.each(UPSTREAMS)('upstream %s', (upstream) => {
  test('Claude Code 2.1 (/v1/messages?beta=true, system messages mid-list, adaptive thinking, cache_control)', async () => {
    await withUpstream(upstream, async (url, fake) => {
      const res = await fetch(`${url}/v1/messages?beta=true`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
          'anthropic-beta':
            'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27',
          'x-api-key': 'sk-client',
          'user-agent': 'claude-cli/2.1.328 (external, cli)',
        },
        body: JSON.stringify({ ...claudeCode, model: 'up/any-model' }),
      })
      expect(res.status).toBe(200)
      const events = parseSSE(await res.text())
      expect(events[0]?.event).toBe('message_start')
      expect(events[events.length - 1]?.event).toBe('message_stop')
      const text = events
        .filter((e) => e.event === 'content_block_delta')
        .map((e) => (JSON.parse(e.data) as { delta: { text?: string } }).delta.text ?? '')
        .join('')
      expect(text).toBe('replayed fine')
      expect(fake.requests).toHaveLength(1)
      const sent = JSON.stringify(fake.requests[0]?.body)
      // Both system texts reach the upstream, wherever its dialect keeps them.
      expect(sent).toContain('Available agent types for the Agent tool')
      expect(sent).toContain('You are an interactive agent that helps users with software engineering tasks.')
      if (upstream === 'anthropic-messages') {
        // Same dialect: the client's body goes through untouched but for the model.
        expect(fake.requests[0]?.body).toEqual({ ...claudeCode, model: 'any-model' })
      }
    })
  })

  test('Gemini CLI 0.61 (streamGenerateContent with a signed function call in history)', async () => {
    await withUpstream(upstream, async (url, fake) => {
      const res = await fetch(`${url}/v1beta/models/up/any-model:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': 'client-key' },
        body: JSON.stringify(geminiCli),
      })
      expect(res.status).toBe(200)
      const chunks = parseSSE(await res.text()).map(
        (e) =>
          JSON.parse(e.data) as {
            candidates?: Array<{ content?: { parts?: Array<{ text?: string }> }; finishReason?: string }>
          },
      )
      const text = chunks
        .flatMap((c) => c.candidates?.[0]?.content?.parts ?? [])
        .map((p) => p.text ?? '')
        .join('')
      expect(text).toBe('replayed fine')
      expect(chunks[chunks.length - 1]?.candidates?.[0]?.finishReason).toBe('STOP')
      expect(fake.requests).toHaveLength(1)
      const sent = JSON.stringify(fake.requests[0]?.body)
      expect(sent).toContain('read_file')
      expect(sent).toContain('pineapple') // the tool result in history
    })
  })
  test('Codex CLI 0.171 (/v1/responses, developer messages, namespace tool, encrypted reasoning requested)', async () => {
    await withUpstream(upstream, async (url, fake) => {
      const res = await fetch(`${url}/v1/responses`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer client-key',
          originator: 'codex_exec',
        },
        body: JSON.stringify({ ...codexCli, model: 'up/any-model' }),
      })
      expect(res.status).toBe(200)
      const events = parseSSE(await res.text()).map(
        (e) => JSON.parse(e.data) as { type: string; sequence_number: number; delta?: string },
      )
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
      expect(events[events.length - 1]?.type).toBe('response.completed')
      const text = events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('')
      expect(text).toBe('replayed fine')
      expect(fake.requests).toHaveLength(1)
      const sent = JSON.stringify(fake.requests[0]?.body)
      expect(sent).toContain('exec_command')
      expect(sent).toContain('pineapple') // the tool output in history
      if (upstream !== 'openai-responses') expect(sent).toContain('multi_agent_v1__')
    })
  })
})
