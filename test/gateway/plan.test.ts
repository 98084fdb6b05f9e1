/**
 * The plan stage on its own: pure given its sources (config, route lookup, credential choice),
 * so every decision it makes is checked here without a socket.
 */
import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'
import { wrapSignature } from '../../src/dialects/common/provenance.ts'
import { codeAssist } from '../../src/dialects/gemini/index.ts'
import type { DialectName } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { GatewayState } from '../../src/gateway/gateway-state.ts'
import { routeFor } from '../../src/gateway/pipeline.ts'
import { type PlanInput, type PlanSources, plan } from '../../src/gateway/plan.ts'
import { UpstreamSlots } from '../../src/gateway/upstream-slots.ts'
import { gemini } from '../../src/providers/gemini/upstream.ts'
import type { Credential, Provider } from '../../src/providers/types.ts'
import type { Route } from '../../src/routing/index.ts'

const YAML = `
upstreams:
  - { name: chat, dialect: openai-chat, base_url: "http://127.0.0.1:9/v1", api_key: k1 }
  - { name: resp, dialect: openai-responses, base_url: "http://127.0.0.1:9/v1", api_key: k2 }
  - { name: claude, dialect: anthropic-messages, base_url: "http://127.0.0.1:9", api_key: k3 }
  - { name: gem, dialect: gemini, base_url: "http://127.0.0.1:9", api_key: k4 }
payload:
  override:
    - { models: [tuned], params: { temperature: 0.25 } }
`

const config: Config = parseConfig(YAML, 'plan.yaml').config
/** The gateway's state (route cache, providers) the route lookup reads. */
const gateway = new GatewayState(new UpstreamSlots(1))

/** Sources as the gateway makes them, recording what the credential choice was asked. */
function sources(cfg: Config = config) {
  const asked: Array<{ provider: string; route: Route }> = []
  const s: PlanSources = {
    config: cfg,
    route: (model) => routeFor(gateway, model, cfg),
    credentials: (provider: Provider, route: Route): Credential[] => {
      asked.push({ provider: provider.id, route })
      return provider.credentials(cfg)
    },
  }
  return { sources: s, asked }
}

const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
})

function input(dialect: DialectName, body: Record<string, unknown>, stream = false): PlanInput {
  return { dialect, body, model: String(body.model), stream }
}

describe('plan', () => {
  test('same dialect: the client body goes as it came, the upstream model set, nothing decoded', () => {
    const body = chatBody('chat/m', { seed: 7, vendor_field: { x: 1 } })
    const p = plan(input('openai-chat', body), sources().sources)
    expect(p.inbound.name).toBe('openai-chat')
    expect(p.upstream.name).toBe('openai-chat')
    expect(p.ir).toBeUndefined()
    expect(p.body).toEqual({ ...body, model: 'm' })
    expect(body.model).toBe('chat/m') // the client's object is not changed
    expect(p.provenance).toEqual({ dialect: 'openai-chat', provider: p.provider.id, model: 'm' })
  })

  test('same dialect with a signature the gateway wrapped: through the IR, whoever looked for it', () => {
    const wrapped = wrapSignature('sig', { dialect: 'openai-responses', provider: 'codex', model: 'gpt-5' })
    const body = chatBody('claude/c', {
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: wrapped }] },
        { role: 'user', content: 'again' },
      ],
    })
    // the plan walks the body itself when the body reader did not look
    expect(plan(input('anthropic-messages', body), sources().sources).ir).toBeDefined()
    // the body reader's answer (its depth walk saw every string) is what the plan goes by
    const told = (wrappedSignature: boolean, b: Record<string, unknown>) =>
      plan({ ...input('anthropic-messages', b), wrappedSignature }, sources().sources)
    expect(told(true, body).ir).toBeDefined()
    const clean = chatBody('claude/c', { max_tokens: 10 })
    expect(told(false, clean).ir).toBeUndefined()
    expect(told(true, clean).ir).toBeDefined()
  })

  test('gemini to gemini: the model stays out of the body (it travels in the URL)', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
    const p = plan({ dialect: 'gemini', body, model: 'gem/g', stream: false }, sources().sources)
    expect(p.upstream.name).toBe('gemini')
    expect(p.body).toEqual(body)
  })

  test('another dialect: translated through the IR into the upstream dialect', () => {
    const p = plan(input('openai-chat', chatBody('claude/c', { max_tokens: 10 })), sources().sources)
    expect(p.upstream.name).toBe('anthropic-messages')
    expect(p.ir?.model).toBe('c')
    expect(p.body).toMatchObject({ model: 'c', max_tokens: 10, messages: [{ role: 'user' }] })
  })

  test('a reasoning suffix forces a translation even between equal dialects', () => {
    const p = plan(input('openai-chat', chatBody('chat/m(high)')), sources().sources)
    expect(p.ir?.reasoning).toMatchObject({ effort: 'high' })
    expect(p.body).toMatchObject({ model: 'm', reasoning_effort: 'high' })
  })

  test('streams ask a Chat upstream for usage; the client sees it only if it asked', () => {
    const s = sources().sources
    const quiet = plan(input('openai-chat', chatBody('chat/m', { stream: true }), true), s)
    expect(quiet.body.stream_options).toEqual({ include_usage: true })
    expect(quiet.clientWantsUsage).toBe(false)
    const asking = plan(
      input(
        'openai-chat',
        chatBody('chat/m', { stream: true, stream_options: { include_usage: true } }),
        true,
      ),
      s,
    )
    expect(asking.clientWantsUsage).toBe(true)
    // not streaming: nothing asked
    expect(plan(input('openai-chat', chatBody('chat/m')), s).body.stream_options).toBeUndefined()
    // an Anthropic upstream always streams usage: its body is not touched for it
    const claude = plan(input('openai-chat', chatBody('claude/c', { stream: true }), true), s)
    expect(claude.body.stream_options).toBeUndefined()
  })

  test('tool namespaces fold into names for an upstream without them, and stay for Responses', () => {
    const body = {
      model: 'x',
      input: 'hi',
      tools: [
        {
          type: 'namespace',
          name: 'ns',
          description: 'd',
          tools: [{ type: 'function', name: 'close', parameters: { type: 'object', properties: {} } }],
        },
      ],
    }
    const s = sources().sources
    const toClaude = plan(input('openai-responses', { ...body, model: 'claude/c' }), s)
    expect(toClaude.toolNamespaces).toEqual(['ns'])
    expect(toClaude.body.tools).toEqual([expect.objectContaining({ name: 'ns__close' })])
    const toResponses = plan(input('openai-responses', { ...body, model: 'resp/r(high)' }), s)
    expect(toResponses.ir).toBeDefined()
    expect(toResponses.toolNamespaces).toBeUndefined()
  })

  test("payload rules apply to the upstream body, by the upstream model's name", () => {
    const p = plan(input('openai-chat', chatBody('chat/tuned', { temperature: 1 })), sources().sources)
    expect(p.body.temperature).toBe(0.25)
  })

  test('the credential choice is asked once, with the provider and the route, and its order is kept', () => {
    const { sources: s, asked } = sources()
    const p = plan(input('openai-chat', chatBody('chat/m')), s)
    expect(asked).toEqual([{ provider: p.provider.id, route: p.route }])
    expect(p.credentials.map((c) => c.secret)).toEqual(['k1'])
    const reversed = plan(input('openai-chat', chatBody('chat/m')), {
      ...s,
      credentials: (provider) => [
        { ...provider.credentials(config)[0]!, label: 'second' },
        { ...provider.credentials(config)[0]!, label: 'first' },
      ],
    })
    expect(reversed.credentials.map((c) => c.label)).toEqual(['second', 'first'])
  })

  test('the first credential picks the upstream dialect; credentials that speak another are left out', () => {
    const cfg = parseConfig('providers: { codex: { api_key: sk-codex } }\n', 'codex.yaml').config
    const key: Credential = { kind: 'api_key', label: 'key', secret: 'sk' }
    const login: Credential = { kind: 'oauth', label: 'login', secret: 'tok' }
    const base = sources(cfg).sources
    const keyFirst = plan(input('openai-chat', chatBody('codex/gpt-5')), {
      ...base,
      credentials: () => [key, login],
    })
    expect(keyFirst.upstream.name).toBe('openai-chat')
    expect(keyFirst.credentials).toEqual([key])
    const loginFirst = plan(input('openai-chat', chatBody('codex/gpt-5')), {
      ...base,
      credentials: () => [login, key],
    })
    expect(loginFirst.upstream.name).toBe('openai-responses')
    expect(loginFirst.credentials).toEqual([login])
  })

  test('what the sources throw (no route, no credential) is what the plan throws', () => {
    const s = sources().sources
    expect(() => plan(input('openai-chat', chatBody('nobody/serves-this')), s)).toThrow()
    expect(() =>
      plan(input('openai-chat', chatBody('chat/m')), {
        ...s,
        credentials: () => {
          throw new Error('no credentials')
        },
      }),
    ).toThrow('no credentials')
  })
})

describe('plan with a provider whose logins answer in a variant codec (Code Assist)', () => {
  const gemCfg = parseConfig('providers: { gemini: { api_key: k } }', 'plan.yaml').config
  const login: Credential = { kind: 'oauth', secret: '', label: 'me@example.com' }
  /** The gemini provider, its credentials given: a login, then the config's key. */
  function withCredentials(order: Credential[]): PlanSources {
    return {
      config: gemCfg,
      route: (model) => routeFor(gateway, model, gemCfg),
      credentials: () => order,
    }
  }

  test('a login first: answers decoded by the variant; only logins are tried; the body stays plain Gemini', () => {
    const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
    const p = plan(
      { dialect: 'gemini', body, model: 'gemini-2.5-pro', stream: false },
      withCredentials([login, ...gemini.credentials(gemCfg)]),
    )
    expect(p.upstream).toBe(codeAssist)
    expect(p.credentials).toEqual([login])
    // the client's bytes, not decoded: the provider wraps them
    expect(p.ir).toBeUndefined()
    expect(p.body).toEqual(body)
  })

  test('another dialect is encoded in the plain dialect, never in the envelope', () => {
    const p = plan(input('openai-chat', chatBody('gemini-2.5-pro')), withCredentials([login]))
    expect(p.upstream).toBe(codeAssist)
    expect(p.body.request).toBeUndefined()
    expect(p.body.contents).toEqual([{ role: 'user', parts: [{ text: 'hi' }] }])
  })

  test('a key first: the plain dialect, and the login is left for another request', () => {
    const [key] = gemini.credentials(gemCfg)
    const p = plan(
      { dialect: 'gemini', body: { contents: [] }, model: 'gemini-2.5-pro', stream: false },
      withCredentials([key!, login]),
    )
    expect(p.upstream).toBe(dialects.gemini)
    expect(p.credentials).toEqual([key!])
  })
})
