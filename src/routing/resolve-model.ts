/**
 * Model string → where the request goes (the original BYOKEY's order with our fixes; docs/routing.md,
 * "Model resolution"):
 *
 * 1. Alias: the first `model_alias.<key>[]` entry (keys in config order) whose `alias` equals the
 *    whole string → that key's provider or upstream with the entry's `name`. Then the same on the
 *    string without its thinking suffix, so `sonnet(high)` works (the client's suffix beats one
 *    written in the alias's `name`). BYOKEY only rewrites the string and routes the result as if
 *    typed; we honour the provider the alias is declared under.
 * 2. Qualifier `X/rest` with a non-empty rest: X an enabled `upstreams[].name` (exact, checked
 *    first), else a provider id or alias (`anthropic/…`). No catalogue check: any model goes.
 * 3. Thinking suffix (`thinking-suffix.ts`) on the bare model.
 * 4. Built-in catalogue: of the enabled providers serving the id (catalogue order), the first
 *    `available` one, else the first (which then fails with a clear credential error).
 * 5. `upstreams[].models` of enabled upstreams (and what their list endpoints reported), in config order.
 * Anything else throws `RouteError` (404 `model_not_found`).
 *
 * `providers.<id>.enabled: false` removes the provider from step 4 (BYOKEY ignores the flag when
 * routing, so a "disabled" provider still takes traffic); an explicit `provider/model` or an alias
 * declared under it still reaches it. A disabled upstream is never routed.
 * An id the catalogue or an upstream declares verbatim is never split by the suffix grammar
 * (an upstream model really named `x-thinking-2` stays whole).
 */
import type { Config } from '../config/schema.ts'
import type { ErrorInfo, ReasoningRequest } from '../dialects/ir.ts'
import { canonicalProviderId, type ProviderId } from '../providers/ids.ts'
import {
  aliasEntries,
  type Catalog,
  DEFAULT_CATALOG,
  type LearnedUpstreamModels,
  modelInfo,
  providerEnabled,
  providersServing,
  type Target,
  targetEnabled,
  upstreamServes,
} from './config-view.ts'
import { parseThinkingSuffix } from './thinking-suffix.ts'

export type { Catalog, Target } from './config-view.ts'

export interface Route {
  target: Target
  /** The upstream model id, suffix removed. */
  model: string
  /** From the thinking suffix, when there was one. */
  reasoning?: ReasoningRequest
  /** The model string as the client sent it. */
  requested: string
}

export interface ResolveContext {
  config: Config
  /** Whether a provider has a usable credential right now (API key or live account). */
  available: (provider: ProviderId) => boolean
  /** Defaults to `BUILTIN_MODELS`. */
  catalog?: Catalog
  /** What upstreams' list endpoints reported, beyond their `models`; default none. */
  upstreamModels?: LearnedUpstreamModels
}

const HOW_TO_FIND =
  'GET /v1/models lists the models this gateway serves; use provider/model to pick a provider explicitly'

/** An unknown model; `info` is what the server turns into the endpoint's error envelope. */
export class RouteError extends Error {
  readonly info: ErrorInfo
  constructor(model: string, detail?: string) {
    const message = `The model '${model}' is not served by this gateway${detail ? ` (${detail})` : ''}. ${HOW_TO_FIND}.`
    super(message)
    this.name = 'RouteError'
    this.info = { kind: 'not_found', code: 'model_not_found', param: 'model', message }
  }
}

/** A route, and whether a question about credentials chose it. */
export interface Resolved {
  route: Route
  /**
   * True when two or more enabled built-in providers serve the bare model and the first with a
   * credential was taken (step 4): a login or logout can send the same string elsewhere. False:
   * the route follows from the config and the catalogue alone, whatever `available` says.
   */
  byCredentials: boolean
}

export function resolveModel(raw: string, ctx: ResolveContext): Route {
  return resolveRoute(raw, ctx).route
}

/** `resolveModel`, saying also whether the answer depends on credentials (what a cache must key on). */
export function resolveRoute(raw: string, ctx: ResolveContext): Resolved {
  const { config } = ctx
  const catalog = ctx.catalog ?? DEFAULT_CATALOG
  const declared = (t: Target, model: string): boolean =>
    t.kind === 'provider'
      ? modelInfo(catalog, t.id, model) !== undefined
      : config.upstreams.some((u) => u.name === t.name && upstreamServes(u, model, ctx.upstreamModels))
  /** A route to `t` for `model`, splitting the model's own suffix unless `t` declares it verbatim. */
  const to = (t: Target, model: string, outer?: ReasoningRequest): Resolved => {
    const parsed = declared(t, model) ? { model } : parseThinkingSuffix(model)
    const reasoning = outer ?? parsed.reasoning
    const route = { target: t, model: parsed.model, ...(reasoning ? { reasoning } : {}), requested: raw }
    return { route, byCredentials: false }
  }

  // 1. Aliases: the whole string, then without its suffix.
  const aliases = aliasEntries(config).filter(
    (a) => a.target.kind === 'provider' || targetEnabled(config, a.target),
  )
  const exact = aliases.find((a) => a.alias === raw)
  if (exact) return to(exact.target, exact.name)
  const stripped = parseThinkingSuffix(raw)
  if (stripped.reasoning) {
    const a = aliases.find((x) => x.alias === stripped.model)
    if (a) return to(a.target, a.name, stripped.reasoning)
  }

  // 2. `upstream/model` or `provider/model`.
  const slash = raw.indexOf('/')
  const head = slash > 0 ? raw.slice(0, slash) : ''
  const rest = raw.slice(slash + 1)
  const disabledUpstream = config.upstreams.some((u) => u.name === head && !u.enabled)
  if (head && rest) {
    if (config.upstreams.some((u) => u.name === head && u.enabled))
      return to({ kind: 'upstream', name: head }, rest)
    const id = canonicalProviderId(head)
    if (id) return to({ kind: 'provider', id }, rest)
  }

  // 3–5. The bare model (verbatim first, then without its suffix) in the catalogue, then upstreams.
  const lookup = (model: string): { target: Target; byCredentials: boolean } | undefined => {
    const enabled = providersServing(catalog, model).filter((p) => providerEnabled(config, p))
    const id = enabled.find((p) => ctx.available(p)) ?? enabled[0]
    if (id) return { target: { kind: 'provider', id }, byCredentials: enabled.length > 1 }
    const up = config.upstreams.find((u) => u.enabled && upstreamServes(u, model, ctx.upstreamModels))
    return up ? { target: { kind: 'upstream', name: up.name }, byCredentials: false } : undefined
  }
  const verbatim = lookup(raw)
  if (verbatim) {
    const route = { target: verbatim.target, model: raw, requested: raw }
    return { route, byCredentials: verbatim.byCredentials }
  }
  if (stripped.reasoning) {
    const t = lookup(stripped.model)
    if (t) {
      const route = { target: t.target, model: stripped.model, reasoning: stripped.reasoning, requested: raw }
      return { route, byCredentials: t.byCredentials }
    }
  }
  throw new RouteError(raw, whyNot(config, catalog, stripped.model, disabledUpstream ? head : undefined))
}

/** A hint when the model exists but everything serving it is switched off. */
function whyNot(
  config: Config,
  catalog: Catalog,
  model: string,
  disabledUpstream?: string,
): string | undefined {
  if (disabledUpstream) return `upstream '${disabledUpstream}' is disabled in the config`
  const providers = providersServing(catalog, model)
  if (providers.length > 0) {
    return `${providers.map((p) => `providers.${p}.enabled`).join(', ')} ${providers.length > 1 ? 'are' : 'is'} false in the config`
  }
  const ups = config.upstreams.filter((u) => !u.enabled && u.models.includes(model)).map((u) => `'${u.name}'`)
  if (ups.length > 0) return `upstream ${ups.join(', ')} serving it ${ups.length > 1 ? 'are' : 'is'} disabled`
  return undefined
}
