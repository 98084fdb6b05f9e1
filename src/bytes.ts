/**
 * Several chunks as one buffer, copied only when there are several. A plain Uint8Array, not a
 * Buffer: views of a Buffer are Buffers, which cost more to make than what is done with them.
 */
export function concatBytes(parts: readonly Uint8Array[], size?: number): Uint8Array {
  if (parts.length === 1) return parts[0]!
  let total = size ?? 0
  if (size === undefined) for (const p of parts) total += p.byteLength
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}
