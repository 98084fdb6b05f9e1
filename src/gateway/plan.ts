/**
 * The first stage of a request: what it will do, decided before any upstream call. Pure given
 * its sources: the route lookup and the credential choice come in as functions, so the plan
 * neither reads the store nor calls anyone, and the accounts layer can replace the credential
 * choice without touching the plan.
 */
import type { Config } from '../config/schema.ts'
import { carriesWrappedSignature } from '../dialects/common/provenance.ts'
import { flattenToolNamespaces } from '../dialects/common/tool-namespaces.ts'
import type { Dialect, UpstreamCodec } from '../dialects/contract.ts'
import type { DialectName, Request as IRRequest, Provenance } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import type { Credential, Provider } from '../providers/types.ts'
import { clientDialect, upstreamCodecOf } from '../providers/upstream-codec.ts'
import { applyPayloadRules, type Route } from '../routing/index.ts'
import type { Routed } from './route-cache.ts'

/** What the client asked, as the route handler read it. */
export interface PlanInput {
  dialect: DialectName
  body: Record<string, unknown>
  /** The model as the client named it (body field, or URL segment for Gemini). */
  model: string
  stream: boolean
  /**
   * Whether `body` carries a signature this gateway wrapped, when the body reader already
   * looked (its walk over every body answers it); the plan walks the body itself otherwise.
   */
  wrappedSignature?: boolean | undefined
}

/** What a plan reads from outside: the config snapshot, the route lookup, the credential choice. */
export interface PlanSources {
  config: Config
  /** The route and its provider for a model; throws the 404 the client should see. */
  route(model: string): Routed
  /**
   * The provider's credentials for this route, in the order to try them; throws the 401 the
   * client should see when there is none. The seam where credential choice plugs in.
   */
  credentials(provider: Provider, route: Route): Credential[]
}

export interface Plan {
  inbound: Dialect
  /** The codec of the upstream's answers: its dialect, a variant of it, or a format of its own (`Provider.upstreamCodec`). */
  upstream: UpstreamCodec
  route: Route
  provider: Provider
  /** The credentials to try, in order: only those that speak `upstream`; never empty. */
  credentials: Credential[]
  /** The upstream body: payload rules applied, stream usage asked for. */
  body: Record<string, unknown>
  /** The client's request in the IR, when the body was translated (absent: the client's own bytes). */
  ir?: IRRequest
  /** Tool namespaces folded into function names for an upstream without them, for the client's encoder to split back. */
  toolNamespaces?: string[]
  /** Whether the client wants to see the stream's usage (metering always asks for it). */
  clientWantsUsage: boolean
  /** Who produces the answer, stamped on its thinking and signatures. */
  provenance: Provenance
}

/**
 * The upstream body: the client's own bytes when the dialects match (with the upstream's
 * `repairRequest` fixes, where it needs any), else translated through the IR. `toolNamespaces`:
 * the Responses tool namespaces folded into function names for an upstream without them, for the
 * client's encoder to split back.
 */
export function upstreamBody(
  input: Pick<PlanInput, 'body' | 'model' | 'stream' | 'wrappedSignature'>,
  inbound: Dialect,
  upstream: UpstreamCodec,
  route: Route,
  provider: Provider,
): { body: Record<string, unknown>; ir?: IRRequest; toolNamespaces?: string[] } {
  // Replayed thinking of another provider must be unwrapped or dropped by the codecs, not passed on.
  const wrapped = input.wrappedSignature ?? carriesWrappedSignature(input.body)
  if (inbound.name === upstream.name && !route.reasoning && !wrapped) {
    const body = { ...input.body }
    upstream.setModel(body, route.model)
    upstream.repairRequest?.(body)
    return { body }
  }
  const ir = inbound.decodeRequest(input.body, { model: input.model, stream: input.stream })
  ir.model = route.model
  ir.stream = input.stream
  if (route.reasoning) ir.reasoning = { ...ir.reasoning, ...route.reasoning }
  const namespaces = upstream.supportsToolNamespaces ? [] : flattenToolNamespaces(ir)
  const body = upstream.encodeRequest(ir, { provider: provider.id, model: route.model })
  return namespaces.length > 0 ? { body, ir, toolNamespaces: namespaces } : { body, ir }
}

export function plan(input: PlanInput, sources: PlanSources): Plan {
  const inbound = dialects[input.dialect]
  const { route, provider } = sources.route(input.model)
  const ordered = sources.credentials(provider, route)
  // The first credential picks the upstream's codec; only credentials that speak it are tried.
  const codecFor = (c: Credential | undefined) => upstreamCodecOf(provider, input.dialect, c)
  const upstream = codecFor(ordered[0])
  const credentials = ordered.filter((c) => codecFor(c) === upstream)
  // a variant's requests are shaped in its plain dialect and wrapped by the provider; a format of
  // its own (Kiro) is shaped by its codec
  const shaped = upstreamBody(input, inbound, clientDialect(upstream.name) ?? upstream, route, provider)
  let body = applyPayloadRules(shaped.body, route.model, sources.config.payload)
  if (input.stream) body = upstream.askStreamUsage(body)
  const out: Plan = {
    inbound,
    upstream,
    route,
    provider,
    credentials,
    body,
    clientWantsUsage: inbound.clientWantsStreamUsage(input.body),
    provenance: { dialect: upstream.name, provider: provider.id, model: route.model },
  }
  if (shaped.ir) out.ir = shaped.ir
  if (shaped.toolNamespaces) out.toolNamespaces = shaped.toolNamespaces
  return out
}
