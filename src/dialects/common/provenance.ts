/**
 * Opaque reasoning tokens (Anthropic signatures, Gemini thoughtSignatures, Responses
 * encrypted_content) only validate at the provider that minted them. When the gateway hands one
 * to a client in another dialect, it wraps it with its provenance so that, when the client sends
 * it back, the gateway knows where it came from and never sends it where it would be rejected.
 *
 * Wire form: `byok1.<base64url(JSON [dialect, provider, model])>.<original>`.
 */
import type { DialectName, Provenance } from '../ir.ts'

const PREFIX = 'byok1.'

export function wrapSignature(signature: string, prov: Provenance): string {
  const tag = Buffer.from(JSON.stringify([prov.dialect, prov.provider ?? '', prov.model ?? ''])).toString(
    'base64url',
  )
  return `${PREFIX}${tag}.${signature}`
}

/**
 * The original signature and where it came from: the provenance the gateway wrapped into it,
 * else `fallback` (the upstream a response or stream came from), else `native`.
 */
export function unwrapSignature(
  signature: string,
  native: DialectName,
  fallback?: Provenance,
): { signature: string; provenance: Provenance } {
  if (signature.startsWith(PREFIX)) {
    const dot = signature.indexOf('.', PREFIX.length)
    if (dot > 0) {
      try {
        const tag: unknown = JSON.parse(
          Buffer.from(signature.slice(PREFIX.length, dot), 'base64url').toString(),
        )
        if (Array.isArray(tag) && typeof tag[0] === 'string') {
          const provenance: Provenance = { dialect: tag[0] as DialectName }
          if (tag[1]) provenance.provider = String(tag[1])
          if (tag[2]) provenance.model = String(tag[2])
          return { signature: signature.slice(dot + 1), provenance }
        }
      } catch {
        // not ours after all: treat as native
      }
    }
  }
  return { signature, provenance: fallback ?? { dialect: native } }
}

/** The signature to show a client of `target`: wrapped unless it is native there. */
export function signatureFor(target: DialectName, signature: string, prov: Provenance | undefined): string {
  return !prov || prov.dialect === target ? signature : wrapSignature(signature, prov)
}

/**
 * Whether opaque reasoning from `prov` can be sent to an upstream of `target` (and, when both
 * are known, the same provider and a model of the same family). Unknown provenance is foreign.
 */
export function isNative(
  prov: Provenance | undefined,
  target: DialectName,
  provider?: string,
  model?: string,
): boolean {
  if (!prov || prov.dialect !== target) return false
  if (provider && prov.provider && prov.provider !== provider) return false
  return !(model && prov.model && familiesDiffer(prov.model, model))
}

const FAMILY = /claude|gemini|gpt/

/**
 * Whether two model ids belong to different vendors' families. One provider may serve several
 * behind one dialect (Antigravity: Gemini, Claude and GPT-OSS in Gemini's format), and a
 * signature validates only at the family that minted it. Unknown families are not told apart.
 */
export function familiesDiffer(a: string, b: string): boolean {
  const fa = FAMILY.exec(a)?.[0]
  const fb = FAMILY.exec(b)?.[0]
  return fa !== undefined && fb !== undefined && fa !== fb
}

/**
 * Whether a request body carries opaque reasoning this gateway wrapped (anywhere in it): a client
 * replaying what another provider produced. Such a body must go through the IR even to an
 * upstream of the client's own dialect, so the wrapped values are unwrapped or dropped there
 * instead of reaching a provider that rejects them ("Invalid signature in thinking block").
 */
export function carriesWrappedSignature(value: unknown): boolean {
  if (typeof value === 'string') return isWrappedSignature(value)
  if (typeof value !== 'object' || value === null) return false
  // An explicit stack rather than recursion: the body's nesting is the client's choice.
  const pending: object[] = [value]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (wrappedOrQueued(node[i], pending)) return true
    } else {
      for (const k in node) if (wrappedOrQueued((node as Record<string, unknown>)[k], pending)) return true
    }
  }
  return false
}

/** Whether a string is an opaque reasoning value this gateway wrapped (`wrapSignature`). */
export function isWrappedSignature(s: string): boolean {
  return s.startsWith(PREFIX)
}

/** True for a wrapped signature; an array or object is queued for the walk instead. */
function wrappedOrQueued(v: unknown, pending: object[]): boolean {
  if (typeof v === 'string') return isWrappedSignature(v)
  if (typeof v === 'object' && v !== null) pending.push(v)
  return false
}
