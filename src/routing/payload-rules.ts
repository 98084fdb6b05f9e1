/**
 * Config `payload` rules (docs/routing.md, "Payload rules"): per-model edits of the request body.
 *
 * For every rule whose `models` globs match the model (suffix already removed), in this order:
 * - `default`: set each dotted path only when it resolves to nothing (missing; a JSON `null`
 *   counts as a value), so the first matching default wins;
 * - `override`: always set, so the last matching override wins;
 * - `filter`: delete each dotted path.
 * Paths are object keys separated by dots (no array indexes). Setting creates missing
 * intermediate objects; an intermediate that exists but is not an object (a string, an array,
 * `null`) is left alone and the path skipped. Values are copied out of the (frozen) config.
 *
 * The input body is never mutated: the result shares every branch no rule touched and copies
 * only the objects along the changed paths.
 */
import type { Config } from '../config/schema.ts'
import { matchesAnyGlob } from './glob.ts'

export { matchesGlob } from './glob.ts'

type Json = Record<string, unknown>

export function applyPayloadRules(body: Json, model: string, rules: Config['payload']): Json {
  let out = body
  for (const rule of rules.default) {
    if (!matchesAnyGlob(rule.models, model)) continue
    for (const [path, value] of Object.entries(rule.params)) out = setPath(out, path, value, false)
  }
  for (const rule of rules.override) {
    if (!matchesAnyGlob(rule.models, model)) continue
    for (const [path, value] of Object.entries(rule.params)) out = setPath(out, path, value, true)
  }
  for (const rule of rules.filter) {
    if (!matchesAnyGlob(rule.models, model)) continue
    for (const path of rule.params) out = deletePath(out, path)
  }
  return out
}

function splitPath(path: string): string[] | undefined {
  const keys = path.split('.')
  return keys.some((k) => k === '') ? undefined : keys
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Own properties only, so `__proto__`/`constructor` paths never reach the prototype chain. */
function own(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

/** `{...obj, [key]: value}` without invoking the `__proto__` setter. */
function withKey(obj: Json, key: string, value: unknown): Json {
  const copy: Json = { ...obj }
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  return copy
}

function setPath(root: Json, path: string, value: unknown, overwrite: boolean): Json {
  const keys = splitPath(path)
  return keys ? (setIn(root, keys, value, overwrite) ?? root) : root
}

/** The new object, or undefined when nothing changes. */
function setIn(obj: Json, keys: readonly string[], value: unknown, overwrite: boolean): Json | undefined {
  const [key, ...rest] = keys
  if (key === undefined) return undefined
  const current = own(obj, key)
  if (rest.length === 0) {
    if (!overwrite && current !== undefined) return undefined
    return withKey(obj, key, structuredClone(value))
  }
  if (current === undefined) return withKey(obj, key, setIn({}, rest, value, overwrite))
  if (!isObject(current)) return undefined
  const child = setIn(current, rest, value, overwrite)
  return child === undefined ? undefined : withKey(obj, key, child)
}

function deletePath(root: Json, path: string): Json {
  const keys = splitPath(path)
  return keys ? (deleteIn(root, keys) ?? root) : root
}

function deleteIn(obj: Json, keys: readonly string[]): Json | undefined {
  const [key, ...rest] = keys
  if (key === undefined || !Object.hasOwn(obj, key)) return undefined
  if (rest.length === 0) {
    const copy: Json = { ...obj }
    delete copy[key]
    return copy
  }
  const current = obj[key]
  if (!isObject(current)) return undefined
  const child = deleteIn(current, rest)
  return child === undefined ? undefined : withKey(obj, key, child)
}
