/**
 * The model globs of `payload.*.models` and `excluded_models`: `*` matches any run of characters
 * (empty included) anywhere in the pattern; everything else, `?` included, is literal;
 * case-sensitive. A superset of BYOKEY's `*`, `prefix*`, `*suffix` and exact forms.
 */
export function matchesGlob(pattern: string, text: string): boolean {
  const parts = pattern.split('*')
  if (parts.length === 1) return pattern === text
  const first = parts[0] ?? ''
  const last = parts[parts.length - 1] ?? ''
  if (text.length < first.length + last.length) return false
  if (!text.startsWith(first) || !text.endsWith(last)) return false
  // Leftmost matching of the middle pieces is enough: `*` absorbs whatever lies between them.
  let at = first.length
  const end = text.length - last.length
  for (const piece of parts.slice(1, -1)) {
    if (piece === '') continue
    const found = text.indexOf(piece, at)
    if (found < 0 || found + piece.length > end) return false
    at = found + piece.length
  }
  return true
}

/** True when any of the patterns matches. */
export function matchesAnyGlob(patterns: readonly string[], text: string): boolean {
  return patterns.some((p) => matchesGlob(p, text))
}
