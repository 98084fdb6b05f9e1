/**
 * One inference request, any inbound dialect to any upstream, in three stages that share one
 * context (`Exchange`): `plan` (route, provider, upstream dialect, ordered credentials, upstream
 * body; pure), `attempts` (the failover loop over the credentials) and `respond` (the client's
 * answer, streaming without buffering). Every request leaves exactly one usage record, abandoned
 * streams included.
 */
import { type SessionOf, sessionKeyOf } from '../accounts/index.ts'
import type { Config } from '../config/schema.ts'
import type { DialectName } from '../dialects/ir.ts'
import type { TokenManager } from '../oauth/index.ts'
import { canonicalProviderId, type ProviderId } from '../providers/ids.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import type { Credential, Provider } from '../providers/types.ts'
import { type Route, resolveRoute } from '../routing/index.ts'
import type { AccountStore, Store } from '../store/types.ts'
import { attempts } from './attempts.ts'
import { unavailableError } from './dead-accounts.ts'
import type { Exchange, GatewayContext } from './exchange.ts'
import { FallbackChain, fallbackSteps } from './fallback.ts'
import type { GatewayState } from './gateway-state.ts'
import { errorResponse, HttpError } from './http-error.ts'
import { type Plan, plan } from './plan.ts'
import type { Routed } from './route-cache.ts'

export interface GenerateInput {
  /** The request's context: its id, config snapshot and gateway. */
  ctx: GatewayContext
  dialect: DialectName
  request: Request
  body: Record<string, unknown>
  /** The model as the client named it (body field, or URL segment for Gemini). */
  model: string
  stream: boolean
  store: Store
  /** Keeps subscription (OAuth) credentials fresh. */
  tokens?: TokenManager
}

/** Providers that can be used right now (have a credential). */
export function isAvailable(
  providers: ProviderRegistry,
  config: Config,
  accounts?: AccountStore,
): (id: ProviderId) => boolean {
  return (id) => {
    const serving = servingProvider(providers, { kind: 'provider', id }, config)
    return (serving?.credentials(config, accounts).length ?? 0) > 0
  }
}

/**
 * The provider that serves a routing target: its own, or the one its `backend` names (a built-in
 * provider id, else a named upstream), whose credentials and wire format then carry its models.
 */
function servingProvider(
  providers: ProviderRegistry,
  target: Route['target'],
  config: Config,
): Provider | undefined {
  const own = providers.providerFor(target, config)
  const backend = own ? config.providers[own.id]?.backend : undefined
  if (!backend || backend === own?.id) return own
  const id = canonicalProviderId(backend)
  return providers.providerFor(id ? { kind: 'provider', id } : { kind: 'upstream', name: backend }, config)
}

/** Resolves the route and its provider (once per key, in the gateway's route cache), or throws the 404 the client should see. */
export function routeFor(
  gateway: Pick<GatewayState, 'providers' | 'routes'>,
  model: string,
  config: Config,
  accounts?: AccountStore,
): Routed {
  const { providers } = gateway
  return gateway.routes.route({ config, catalog: providers.catalogVersion, accounts }, model, () => {
    const { route, byCredentials } = resolveRoute(model, {
      config,
      catalog: providers.catalog,
      upstreamModels: (name) => providers.upstreamModels(name),
      available: isAvailable(providers, config, accounts),
    })
    const provider = servingProvider(providers, route.target, config)
    if (!provider) {
      const own = route.target.kind === 'provider' ? route.target.id : route.target.name
      const backend = config.providers[own]?.backend
      const name = backend ? `${backend}' (the backend of '${own}` : own
      throw new HttpError(
        'not_found',
        `Provider '${name}' for model '${model}' is not available yet in this byokey; GET /v1/models lists what is`,
        { code: 'model_not_found', param: 'model' },
      )
    }
    return { route, provider, byCredentials }
  })
}

export function credentialsOrThrow(
  provider: Provider,
  config: Config,
  accounts?: AccountStore,
): Credential[] {
  const creds = provider.credentials(config, accounts)
  if (creds.length === 0) {
    // logins the provider gave up on say so, rather than "no credentials"
    const gone = unavailableError(provider.id, accounts)
    if (gone) throw gone
    throw new HttpError(
      'authentication',
      `No credentials for provider '${provider.id}': set providers.${provider.id}.api_key in the config, or run 'byokey login ${provider.id}'`,
      { status: 401, code: 'no_credentials' },
    )
  }
  return creds
}

/**
 * The credentials of a provider in the order to try them, as the gateway's accounts layer
 * chooses them; throws the 401 when the provider has none, and the 429 (with the soonest
 * Retry-After) when every one of them cools down.
 */
export function orderedCredentials(
  gateway: Pick<GatewayState, 'accounts'>,
  provider: Provider,
  config: Config,
  accounts?: AccountStore,
  session?: SessionOf,
): Credential[] {
  const got = gateway.accounts.candidates(provider, config, accounts, session)
  if (got.total === 0) return credentialsOrThrow(provider, config, accounts)
  if (got.credentials.length === 0) {
    const seconds = Math.max(1, Math.ceil(((got.soonestMs ?? Date.now()) - Date.now()) / 1000))
    throw new HttpError(
      'rate_limit',
      `Every account of provider '${provider.id}' is cooling down after upstream failures; the first is tried again in ${seconds}s`,
      { status: 429, code: 'accounts_cooling_down', retryAfter: seconds },
    )
  }
  return got.credentials
}

export function generate(input: GenerateInput): Promise<Response> {
  // not an async function: the attempts' promise is handed back as it is, without another one
  const session = sessionOnce(input.request, input.body)
  try {
    const { ctx } = input
    const config = ctx.config.config
    const planned = planFor(input, input.model, session)
    const steps = fallbackSteps(config, input.model, {
      model: planned.route.model,
      providerId: planned.provider.id,
    })
    if (steps.length === 0) return attempts(exchangeOf(input, planned, session))
    return alongChain(input, session, planned, steps)
  } catch (e) {
    if (e instanceof HttpError && e.info.code === 'accounts_cooling_down') {
      const steps = fallbackStepsFor(input)
      if (steps.length > 0) return alongChain(input, session, undefined, steps, e)
    }
    return Promise.reject(e)
  }
}

/** The plan of one step: the route of `model`, its provider's credentials as the accounts layer orders them. */
function planFor(input: GenerateInput, model: string, session: SessionOf): Plan {
  const { ctx } = input
  const config = ctx.config.config
  const accounts = input.store.accounts
  const scan = ctx.bodyScan
  return plan(
    { ...input, model, wrappedSignature: scan?.body === input.body ? scan.wrappedSignature : undefined },
    {
      config,
      route: (m) => routeFor(ctx.gateway, m, config, accounts),
      credentials: (provider) => orderedCredentials(ctx.gateway, provider, config, accounts, session),
    },
  )
}

/** The fallback steps of a request whose primary plan could not be made (every account cooling down). */
function fallbackStepsFor(input: GenerateInput): string[] {
  const config = input.ctx.config.config
  const { route, provider } = routeFor(input.ctx.gateway, input.model, config, input.store.accounts)
  return fallbackSteps(config, input.model, { model: route.model, providerId: provider.id })
}

/** The exchange of one plan of the request. */
function exchangeOf(input: GenerateInput, planned: Plan, session: SessionOf): Exchange & { chain?: undefined }
function exchangeOf(input: GenerateInput, planned: Plan, session: SessionOf, chain: FallbackChain): Exchange
function exchangeOf(
  input: GenerateInput,
  planned: Plan,
  session: SessionOf,
  chain?: FallbackChain,
): Exchange {
  const { ctx } = input
  return {
    request: input.request,
    ctx,
    config: ctx.config.config,
    store: input.store,
    tokens: input.tokens,
    stream: input.stream,
    plan: planned,
    session,
    ...(chain ? { chain } : {}),
  }
}

/**
 * The primary plan, then each fallback step as its own plan (route, provider, upstream dialect),
 * until one answers or the deadline passes. A step that answers (an error that is the request's
 * fault included) ends the chain; the client never sees a step's bytes unless that step answers.
 */
async function alongChain(
  input: GenerateInput,
  session: SessionOf,
  primary: Plan | undefined,
  steps: string[],
  primaryError?: HttpError,
): Promise<Response> {
  const { ctx } = input
  const config = ctx.config.config
  const chain = new FallbackChain()
  if (primaryError) chain.failures.push({ info: primaryError.info, headers: {} })
  const models = primary ? [input.model, ...steps] : steps
  for (let i = 0; i < models.length; i++) {
    const model = models[i]!
    chain.more = i < models.length - 1
    let planned: Plan
    try {
      planned = i === 0 && primary ? primary : planFor(input, model, session)
    } catch (e) {
      // a step without a route or without a usable credential is passed over, like a failed one
      if (!(e instanceof HttpError) || (i === models.length - 1 && chain.failures.length === 0)) throw e
      ctx.log.warn({ model, reason: e.message }, 'fallback step unavailable; trying the next')
      chain.failures.push({ info: e.info, headers: {} })
      continue
    }
    if (i > 0) {
      ctx.log.warn(
        { model, provider: planned.provider.id, attempt: chain.attempts + 1 },
        'every credential failed; falling back',
      )
    }
    const answer = await attempts(exchangeOf(input, planned, session, chain))
    if (answer) return answer
    if (performance.now() - ctx.start >= config.timeouts.fallback_deadline_ms) {
      ctx.log.warn({ model }, 'fallback deadline passed; answering with the last error')
      break
    }
  }
  const failed = chain.answer()
  if (!failed) throw new HttpError('api_error', 'No upstream attempt was made', { status: 502 })
  return errorResponse(input.dialect, failed.info, failed.headers)
}

/** The request's conversation key, read from its headers and body the first time it is asked for. */
function sessionOnce(request: Request, body: Record<string, unknown>): SessionOf {
  let read = false
  let key: string | undefined
  return () => {
    if (!read) {
      read = true
      key = sessionKeyOf(request.headers, body)
    }
    return key
  }
}
