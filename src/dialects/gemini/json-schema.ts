/** Gemini's OpenAPI-subset schemas (`parameters`, `responseSchema`) read as JSON Schema. */
import { isObject, type JsonObject } from '../common/json.ts'

const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'patternProperties'])
const SCHEMA_SUBS = new Set([
  'items',
  'additionalProperties',
  'not',
  'anyOf',
  'oneOf',
  'allOf',
  'prefixItems',
])

/**
 * Gemini's OpenAPI-subset schema as JSON Schema: its `type` enums may be upper-case (`OBJECT`),
 * which JSON Schema consumers reject. Copy-on-write: the same object when nothing changes.
 */
export function jsonSchemaOf(s: unknown): unknown {
  if (Array.isArray(s)) {
    let out: unknown[] | undefined
    for (let i = 0; i < s.length; i++) {
      const v = jsonSchemaOf(s[i])
      if (v !== s[i]) {
        out ??= s.slice()
        out[i] = v
      }
    }
    return out ?? s
  }
  if (!isObject(s)) return s
  let out: JsonObject | undefined
  for (const k in s) {
    const v = s[k]
    let nv: unknown = v
    if (k === 'type') {
      if (typeof v === 'string') nv = v.toLowerCase() === v ? v : v.toLowerCase()
      else if (Array.isArray(v) && v.some((t) => typeof t === 'string' && t.toLowerCase() !== t))
        nv = v.map((t) => (typeof t === 'string' ? t.toLowerCase() : t))
    } else if (SCHEMA_MAPS.has(k) && isObject(v)) {
      let m: JsonObject | undefined
      for (const name in v) {
        const sub = jsonSchemaOf(v[name])
        if (sub !== v[name]) {
          m ??= { ...v }
          m[name] = sub
        }
      }
      if (m) nv = m
    } else if (SCHEMA_SUBS.has(k)) nv = jsonSchemaOf(v)
    if (nv !== v) {
      out ??= { ...s }
      out[k] = nv
    }
  }
  return out ?? s
}
