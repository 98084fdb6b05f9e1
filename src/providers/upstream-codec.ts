/** The codec of a provider's answers: its own (`Provider.upstreamCodec`), else a client dialect. */
import type { Dialect, UpstreamCodec } from '../dialects/contract.ts'
import type { DialectName, UpstreamDialectName } from '../dialects/ir.ts'
import { dialects } from '../dialects/registry.ts'
import type { Credential, Provider } from './types.ts'

/** The client dialect of that name; undefined for a format only upstreams speak (Kiro). */
export function clientDialect(name: UpstreamDialectName): Dialect | undefined {
  return Object.hasOwn(dialects, name) ? dialects[name as DialectName] : undefined
}

/** What a provider's answers to `credential` are decoded with, for a request that came in `inbound`. */
export function upstreamCodecOf(
  provider: Provider,
  inbound: DialectName,
  credential?: Credential,
): UpstreamCodec {
  const own = provider.upstreamCodec?.(credential)
  if (own) return own
  const name = provider.dialectFor(inbound, credential)
  const plain = clientDialect(name)
  if (!plain) throw new Error(`provider ${provider.id} answers in ${name} but brings no codec for it`)
  return plain
}
