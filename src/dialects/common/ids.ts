/** Ids the gateway mints when a dialect has none, and the sanitising some dialects require. */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random id body of `len` alphanumerics. */
export function randomId(len = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(len))
  let out = ''
  for (let i = 0; i < len; i++) out += ALPHABET[bytes[i]! % ALPHABET.length]
  return out
}

/** `prefix` + random body, e.g. `mintId('call_')`. */
export function mintId(prefix: string, len = 24): string {
  return prefix + randomId(len)
}

/** Anthropic tool ids must match ^[a-zA-Z0-9_-]+$. */
export function sanitizeToolId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '_')
  return clean.length > 0 ? clean : mintId('toolu_')
}

/** OpenAI/Gemini function names: letters, digits, `_`, `-`, at most 64 characters. */
export function sanitizeFunctionName(name: string): string {
  let clean = name.replace(/[^a-zA-Z0-9_.-]/g, '_')
  if (!/^[a-zA-Z_]/.test(clean)) clean = `_${clean}`
  return clean.slice(0, 64)
}
