/**
 * Token counting for Anthropic `count_tokens` and Gemini `countTokens`: asked of the upstream
 * where it can count (Anthropic, Gemini), estimated locally with the o200k tokenizer otherwise
 * (the answer then carries `x-byokey-token-count: estimate`).
 */

import type { CountTokensCodec, UpstreamCodec } from '../dialects/contract.ts'
import type { DialectName, Request as IRRequest } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import type { TokenManager } from '../oauth/index.ts'
import type { Credential, Provider } from '../providers/types.ts'
import { clientDialect, upstreamCodecOf } from '../providers/upstream-codec.ts'
import type { Route } from '../routing/index.ts'
import type { Store } from '../store/types.ts'
import { freshSecret } from './attempts.ts'
import { countRequestTokens } from './estimate.ts'
import type { GatewayContext } from './exchange.ts'
import { credentialsOrThrow, routeFor } from './pipeline.ts'
import { Redactor } from './redact-errors.ts'

export interface CountInput {
  /** The request's context: its id, config snapshot and gateway. */
  ctx: GatewayContext
  /** An inbound dialect with a count endpoint (`Dialect.countTokens`). */
  dialect: DialectName
  request: Request
  body: Record<string, unknown>
  model: string
  store: Store
  tokens?: TokenManager
}

function answer(counter: CountTokensCodec, n: number, estimated: boolean): Response {
  const body = counter.answer(n)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (estimated) headers['x-byokey-token-count'] = 'estimate'
  return new Response(JSON.stringify(body), { status: 200, headers })
}

export async function countTokens(input: CountInput): Promise<Response> {
  const { ctx } = input
  const config = ctx.config.config
  const inbound = dialects[input.dialect]
  const counter = inbound.countTokens
  if (!counter) throw new Error(`${input.dialect} has no token-count endpoint`)
  const ir = inbound.decodeRequest(input.body, { model: input.model, stream: false })
  const { route, provider } = routeFor(ctx.gateway, input.model, config, input.store.accounts)
  ir.model = route.model
  // counts go to the plain dialect's endpoint (a Code Assist login counts like Gemini); a format
  // of its own counts only if its codec says how
  const upstream =
    clientDialect(provider.dialectFor(input.dialect)) ?? upstreamCodecOf(provider, input.dialect)
  // the accounts layer's first choice, so a cooling account is left alone; none left: estimate
  const got = ctx.gateway.accounts.candidates(provider, config, input.store.accounts)
  if (got.total === 0) credentialsOrThrow(provider, config, input.store.accounts)
  let [credential] = got.credentials
  try {
    if (credential?.kind === 'oauth') {
      credential = { ...credential, secret: await freshSecret(input.tokens, provider.id, credential.label) }
    }
    const counted = await upstreamCount(input, { ir, route, provider, upstream }, credential)
    if (counted !== undefined) return answer(counter, counted, false)
  } finally {
    // a count says nothing certain about the account's inference limits: a probe it took is
    // handed back, and neither its success nor its failure changes a cooldown
    if (credential) ctx.gateway.accounts.report(provider.id, credential.label, { kind: 'abandoned' }, config)
  }
  return answer(counter, await countRequestTokens(ir), true)
}

interface Counting {
  ir: IRRequest
  route: Route
  provider: Provider
  upstream: UpstreamCodec
}

/** The upstream's count with `credential`, or `undefined` when it cannot or would not count (logged). */
async function upstreamCount(
  input: CountInput,
  { ir, route, provider, upstream }: Counting,
  credential: Credential | undefined,
): Promise<number | undefined> {
  const { ctx } = input
  const config = ctx.config.config
  if (provider.prepareCountTokens && credential && upstream.countTokens) {
    const body = upstream.countTokens.body(ir, { provider: provider.id, model: route.model })
    const prep = provider.prepareCountTokens({
      dialect: upstream.name,
      model: route.model,
      stream: false,
      body,
      credential,
      inbound: input.request.headers,
      config,
    })
    if (prep) {
      try {
        const res = await fetch(prep.url, {
          method: 'POST',
          headers: prep.headers,
          body: JSON.stringify(prep.body),
          signal: AbortSignal.any([input.request.signal, AbortSignal.timeout(config.timeouts.first_byte_ms)]),
          proxy: credential.proxy,
        })
        if (res.ok) {
          const n = upstream.countTokens.read(await res.json())
          if (n !== undefined) return n
        }
        ctx.log.warn(
          { provider: provider.id, status: res.status },
          'upstream token count failed; estimating locally',
        )
      } catch (e) {
        ctx.log.warn(
          {
            provider: provider.id,
            reason: new Redactor(ctx.config.secrets, credential.secret).text((e as Error).message),
          },
          'upstream token count failed; estimating locally',
        )
      }
    }
  }
  return undefined
}
