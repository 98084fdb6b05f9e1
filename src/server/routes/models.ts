/**
 * Model listings in each dialect's shape: OpenAI's `/v1/models` (Anthropic's shape when the
 * client sends `anthropic-version` or `?format=anthropic`) and Gemini's `/v1beta/models`. Entries
 * carry context window and max output where known, so clients like Claude Code budget context.
 */
import { Elysia } from 'elysia'
import { HttpError } from '../../gateway/http-error.ts'
import { isAvailable } from '../../gateway/pipeline.ts'
import { type ListedModel, listModels } from '../../routing/index.ts'
import type { AccountStore } from '../../store/types.ts'
import type { RequestContext, RequestContexts } from '../context.ts'
import { keyAllowsModel } from '../key-gate.ts'
import { queryParam } from '../request-url.ts'
import { decodePathSegment } from './path-segment.ts'

function openaiEntry(m: ListedModel) {
  return {
    id: m.id,
    object: 'model',
    created: m.info?.created ?? 0,
    owned_by: m.ownedBy,
    ...(m.info?.contextWindow ? { context_window: m.info.contextWindow } : {}),
    ...(m.info?.maxOutput ? { max_output_tokens: m.info.maxOutput } : {}),
  }
}

function anthropicEntry(m: ListedModel) {
  return {
    type: 'model',
    id: m.id,
    display_name: m.info?.displayName ?? m.id,
    created_at: new Date((m.info?.created ?? 0) * 1000).toISOString(),
    ...(m.info?.contextWindow ? { max_input_tokens: m.info.contextWindow } : {}),
    ...(m.info?.maxOutput ? { max_tokens: m.info.maxOutput } : {}),
  }
}

function geminiEntry(m: ListedModel) {
  return {
    name: `models/${m.id}`,
    displayName: m.info?.displayName ?? m.id,
    ...(m.info?.contextWindow ? { inputTokenLimit: m.info.contextWindow } : {}),
    ...(m.info?.maxOutput ? { outputTokenLimit: m.info.maxOutput } : {}),
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  }
}

/**
 * The listing for the request's config snapshot, from its gateway's providers: the models its
 * gateway key may use; a provider listed only with a credential is left out until it has one.
 */
function modelsOf(ctx: RequestContext, accounts: AccountStore): ListedModel[] {
  const { providers } = ctx.gateway
  const config = ctx.config.config
  const available = isAvailable(providers, config, accounts)
  const catalog = providers.catalog.filter((e) => !e.listedWithCredentials || available(e.provider))
  const all = listModels(config, catalog, (name) => providers.upstreamModels(name))
  const { key } = ctx
  return key?.models ? all.filter((m) => keyAllowsModel(key, m.id)) : all
}

const wantsAnthropic = (request: Request) =>
  request.headers.has('anthropic-version') || queryParam(request.url, 'format') === 'anthropic'

export function modelRoutes(contexts: RequestContexts, accounts: AccountStore) {
  return (
    new Elysia()
      .get('/v1/models', ({ request }) => {
        const models = modelsOf(contexts.of(request), accounts)
        if (!wantsAnthropic(request)) return { object: 'list', data: models.map(openaiEntry) }
        const data = models.map(anthropicEntry)
        return {
          data,
          has_more: false,
          first_id: data[0]?.id ?? null,
          last_id: data[data.length - 1]?.id ?? null,
        }
      })
      // The id from the raw path: Elysia's `params` are decoded already, and a second decode would
      // turn an id's own `%` into an error.
      .get('/v1/models/:id', ({ request, path }) => {
        const id = decodePathSegment(path.slice('/v1/models/'.length))
        const m = modelsOf(contexts.of(request), accounts).find((x) => x.id === id)
        if (!m)
          throw new HttpError(
            'not_found',
            `Model '${id}' is not served here; GET /v1/models lists the models`,
            { code: 'model_not_found' },
          )
        return wantsAnthropic(request) ? anthropicEntry(m) : openaiEntry(m)
      })
      .get('/v1beta/models', ({ request }) => ({
        models: modelsOf(contexts.of(request), accounts).map(geminiEntry),
      }))
  )
}
