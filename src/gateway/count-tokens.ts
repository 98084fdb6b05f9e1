/**
 * Token counting for Anthropic `count_tokens` and Gemini `countTokens`: asked of the upstream
 * where it can count (Anthropic, Gemini), estimated locally with the o200k tokenizer otherwise
 * (the answer then carries `x-byokey-token-count: estimate`).
 */

import type { CountTokensCodec } from '../dialects/contract.ts'
import type { DialectName } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import type { TokenManager } from '../oauth/index.ts'
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
  const upstream = dialects[provider.dialectFor(input.dialect)]
  let [credential] = credentialsOrThrow(provider, config, input.store.accounts)
  if (credential?.kind === 'oauth') {
    credential = { ...credential, secret: await freshSecret(input.tokens, provider.id, credential.label) }
  }
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
          if (n !== undefined) return answer(counter, n, false)
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
  return answer(counter, await countRequestTokens(ir), true)
}
