/**
 * The inference endpoints, one per inbound dialect, all on one port. Each validates its body with
 * its dialect's TypeBox schema (permissive about unknown fields), then hands over to the pipeline.
 */
import { Elysia } from 'elysia'
import {
  countTokensSchema as anthropicCountSchema,
  requestSchema as anthropicSchema,
} from '../../dialects/anthropic-messages/index.ts'
import { requestSchema as geminiSchema } from '../../dialects/gemini/index.ts'
import { requestSchema as chatSchema } from '../../dialects/openai-chat/index.ts'
import { requestSchema as responsesSchema } from '../../dialects/openai-responses/index.ts'
import { countTokens } from '../../gateway/count-tokens.ts'
import { HttpError } from '../../gateway/http-error.ts'
import { generate } from '../../gateway/pipeline.ts'
import type { TokenManager } from '../../oauth/index.ts'
import type { Store } from '../../store/types.ts'
import type { RequestContext, RequestContexts } from '../context.ts'
import { requireModel } from '../key-gate.ts'
import { pathOfUrl } from '../request-url.ts'
import { decodePathSegment } from './path-segment.ts'

type Body = Record<string, unknown>

const modelOf = (body: Body): string => body['model'] as string
const streamOf = (body: Body): boolean => body['stream'] === true

/** Gemini puts the model and the method in the last path segment: `gemini-2.5-pro:streamGenerateContent`. */
export function parseGeminiAction(action: string): { model: string; method: string } {
  const decoded = decodePathSegment(action)
  const at = decoded.lastIndexOf(':')
  if (at <= 0) {
    throw new HttpError(
      'not_found',
      `Unknown Gemini method '${decoded}': expected models/{model}:generateContent`,
    )
  }
  return { model: decoded.slice(0, at).replace(/^models\//, ''), method: decoded.slice(at + 1) }
}

export function inferenceRoutes(store: Store, tokens: TokenManager, contexts: RequestContexts) {
  /** The request's context, once its gateway key (if any) may use `model`. */
  const allowed = (request: Request, model: string): RequestContext => {
    const ctx = contexts.of(request)
    requireModel(ctx.key, model)
    return ctx
  }
  // Matched by a wildcard and read from the path: a qualified model (`up-chat/some-model`) puts a
  // slash inside the segment, which a `:param` would not match.
  const gemini = ({ request, body }: { request: Request; body: unknown }) => {
    const path = pathOfUrl(request.url)
    const { model, method } = parseGeminiAction(path.slice(path.indexOf('/models/') + '/models/'.length))
    if (method === 'countTokens')
      return countTokens({
        dialect: 'gemini',
        ctx: allowed(request, model),
        request,
        body: body as Body,
        model,
        store,
        tokens,
      })
    if (method !== 'generateContent' && method !== 'streamGenerateContent') {
      throw new HttpError(
        'not_found',
        `Gemini method '${method}' is not served; use generateContent or streamGenerateContent`,
      )
    }
    return generate({
      dialect: 'gemini',
      ctx: allowed(request, model),
      request,
      body: body as Body,
      model,
      stream: method === 'streamGenerateContent',
      store,
      tokens,
    })
  }
  return new Elysia()
    .post(
      '/v1/chat/completions',
      ({ request, body }) =>
        generate({
          dialect: 'openai-chat',
          ctx: allowed(request, modelOf(body)),
          request,
          body,
          model: modelOf(body),
          stream: streamOf(body),
          store,
          tokens,
        }),
      { body: chatSchema },
    )
    .post(
      '/v1/responses',
      ({ request, body }) =>
        generate({
          dialect: 'openai-responses',
          ctx: allowed(request, modelOf(body)),
          request,
          body,
          model: modelOf(body),
          stream: streamOf(body),
          store,
          tokens,
        }),
      { body: responsesSchema },
    )
    .post(
      '/v1/messages',
      ({ request, body }) =>
        generate({
          dialect: 'anthropic-messages',
          ctx: allowed(request, modelOf(body)),
          request,
          body,
          model: modelOf(body),
          stream: streamOf(body),
          store,
          tokens,
        }),
      { body: anthropicSchema },
    )
    .post(
      '/v1/messages/count_tokens',
      ({ request, body }) =>
        countTokens({
          dialect: 'anthropic-messages',
          ctx: allowed(request, body.model),
          request,
          body,
          model: body.model,
          store,
          tokens,
        }),
      { body: anthropicCountSchema },
    )
    .post('/v1beta/models/*', gemini, { body: geminiSchema })
    .post('/v1/models/*', gemini, { body: geminiSchema })
}
