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
import type { ProviderId } from '../providers/ids.ts'
import type { ProviderRegistry } from '../providers/registry.ts'
import type { Credential, Provider } from '../providers/types.ts'
import { resolveRoute } from '../routing/index.ts'
import type { AccountStore, Store } from '../store/types.ts'
import { attempts } from './attempts.ts'
import type { GatewayContext } from './exchange.ts'
import type { GatewayState } from './gateway-state.ts'
import { HttpError } from './http-error.ts'
import { plan } from './plan.ts'
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
  return (id) => (providers.builtin[id]?.credentials(config, accounts).length ?? 0) > 0
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
    const provider = providers.providerFor(route.target, config)
    if (!provider) {
      const name = route.target.kind === 'provider' ? route.target.id : route.target.name
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
  try {
    const { ctx } = input
    const config = ctx.config.config
    const accounts = input.store.accounts
    const session = sessionOnce(input.request, input.body)
    const planned = plan(input, {
      config,
      route: (model) => routeFor(ctx.gateway, model, config, accounts),
      credentials: (provider) => orderedCredentials(ctx.gateway, provider, config, accounts, session),
    })
    return attempts({
      request: input.request,
      ctx,
      config,
      store: input.store,
      tokens: input.tokens,
      stream: input.stream,
      plan: planned,
      session,
    })
  } catch (e) {
    return Promise.reject(e)
  }
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
