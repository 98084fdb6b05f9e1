/**
 * Putting `extra` bags back. An encoder builds the fields it models first, then fills the gaps
 * from `extra`: a modelled value the gateway changed (model, stream, reasoning effort…) must
 * never be overwritten by the stale copy that rode along. Nested objects are filled key by key,
 * so a half-modelled object (`text: {format, verbosity}`) comes back whole.
 *
 * Keys starting with `$` are codec bookkeeping (how the wire spelled something the IR folds
 * together, e.g. a string vs an array of parts); they are never wire fields and are skipped.
 */
import { isObject, type JsonObject } from './json.ts'

/** Whether an extra key is codec bookkeeping rather than a wire field. */
export function isBookkeeping(key: string): boolean {
  return key.charCodeAt(0) === 36 // '$'
}

/** Copies the wire keys of `extra` into `target` where `target` has none; returns `target`. */
export function fillFromExtra<T extends JsonObject>(target: T, extra: JsonObject | undefined): T {
  if (!extra) return target
  const out: JsonObject = target
  for (const k in extra) {
    if (isBookkeeping(k)) continue
    const have = out[k]
    const add = extra[k]
    if (have === undefined) out[k] = add
    // a shallow copy: `have` may be an object the IR owns (a schema, metadata)
    else if (isObject(have) && isObject(add)) out[k] = fillFromExtra({ ...have }, add)
  }
  return target
}

/** The keys of `obj` other than `taken`, or undefined when none are left. */
export function restOf(obj: JsonObject, taken: readonly string[]): JsonObject | undefined {
  let rest: JsonObject | undefined
  for (const k in obj) {
    if (taken.includes(k)) continue
    rest ??= {}
    rest[k] = obj[k]
  }
  return rest
}
