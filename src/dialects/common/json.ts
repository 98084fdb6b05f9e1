/** JSON helpers the codecs share: tool arguments are JSON text in the IR, objects in some dialects. */

export type JsonObject = Record<string, unknown>

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Tool-call arguments as an object: invalid or non-object JSON becomes `{}`. */
export function parseArguments(text: string | undefined): JsonObject {
  if (!text) return {}
  try {
    const v: unknown = JSON.parse(text)
    return isObject(v) ? v : {}
  } catch {
    return {}
  }
}

/** Tool-call arguments as JSON text; empty becomes `"{}"`, a string is taken as already JSON. */
export function stringifyArguments(value: unknown): string {
  if (value === undefined || value === null || value === '') return '{}'
  if (typeof value === 'string') return value.trim() === '' ? '{}' : value
  return JSON.stringify(value)
}

/** Removes keys whose value is undefined, so encoders can build bodies with optional spreads. */
export function compact<T extends JsonObject>(obj: T): T {
  for (const k of Object.keys(obj)) if (obj[k] === undefined) delete obj[k]
  return obj
}
