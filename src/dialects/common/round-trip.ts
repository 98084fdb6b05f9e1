/**
 * The one way a dialect keeps what its own encoder needs to give a client back the bytes it sent
 * (a same-dialect round trip) when the IR does not model them.
 *
 * A decoder writes its round-trip hints under `extra[<dialect name>]`, never as loose keys, so no
 * other dialect's encoder can mistake them for its own. The hints are typed per dialect: an
 * interface extending `RoundTrip` in the dialect's `types.ts`, with `fields` (the client's wire
 * fields the IR does not model, put back as they came) plus that dialect's own markers (how the
 * wire spelled something the IR folds together, e.g. a string vs an array of parts).
 *
 * An encoder asks `hintsOf(x.extra, DIALECT)` and gets `undefined` for anything a foreign
 * dialect decoded: "is this a same-dialect round trip" is the presence of the hints, not a flag
 * threaded through every encoder.
 */
import { DialectError, type DialectName, type Extra } from '../ir.ts'
import { isObject, type JsonObject } from './json.ts'

/** What every dialect's hints hold; each dialect extends it with its own markers. */
export interface RoundTrip {
  /** Wire fields the IR does not model, put back as they came. */
  fields?: JsonObject
}

/** The hints `dialect`'s decoder left in `extra`; undefined when another dialect decoded it. */
export function hintsOf<H extends RoundTrip>(extra: Extra | undefined, dialect: DialectName): H | undefined {
  const h = extra?.[dialect]
  return isObject(h) ? (h as H) : undefined
}

/** An `extra` carrying `hints` for `dialect`; undefined when there is nothing to carry. */
export function extraWith<H extends RoundTrip>(dialect: DialectName, hints: H): Extra | undefined {
  for (const _ in hints) return { [dialect]: hints }
  return undefined
}

/**
 * Sets an own property, even one named `__proto__` (which plain assignment would turn into a
 * prototype change, silently dropping a client's field).
 */
export function setOwn(target: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

/** The keys of `raw` outside `known`, in wire order; undefined when there are none. */
export function unknownFields(raw: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  let out: JsonObject | undefined
  for (const k in raw) {
    if (!known.has(k)) {
      out ??= {}
      setOwn(out, k, raw[k])
    }
  }
  return out
}

/** Fresh hints holding the wire fields of `raw` outside `known`. */
export function hintsFor<H extends RoundTrip>(raw: JsonObject, known: ReadonlySet<string>): H {
  const fields = unknownFields(raw, known)
  return (fields ? { fields } : {}) as H
}

/** Puts `hints` on `target` under `dialect` when there is anything in them; returns `target`. */
export function withHints<T extends { extra?: Extra }, H extends RoundTrip = RoundTrip>(
  target: T,
  dialect: DialectName,
  hints: H,
): T {
  const extra = extraWith(dialect, hints)
  if (extra) target.extra = extra
  return target
}

/** Keeps one wire field the IR could not take as typed. */
export function keepField(hints: RoundTrip, key: string, value: unknown): void {
  hints.fields ??= {}
  setOwn(hints.fields, key, value)
}

/**
 * Puts the client's fields back over a wire object the encoder built: a kept field wins, because
 * a decoder keeps a field it modelled only when the IR could not hold it whole.
 */
export function spreadFields(target: JsonObject, hints: RoundTrip | undefined): JsonObject {
  const fields = hints?.fields
  if (fields) for (const k in fields) setOwn(target, k, fields[k])
  return target
}

/**
 * Fills only the gaps of a wire object from kept fields, nested objects key by key: a modelled
 * value the gateway changed (model, stream, reasoning effort…) is never overwritten by the stale
 * copy that rode along, and a half-modelled object (`text: {format, verbosity}`) comes back whole.
 */
export function fillGaps<T extends JsonObject>(target: T, fields: JsonObject | undefined): T {
  if (!fields) return target
  const out: JsonObject = target
  for (const k in fields) {
    const have = Object.hasOwn(out, k) ? out[k] : undefined
    const add = fields[k]
    if (have === undefined) setOwn(out, k, add)
    // a shallow copy: `have` may be an object the IR owns (a schema, metadata)
    else if (isObject(have) && isObject(add)) setOwn(out, k, fillGaps({ ...have }, add))
  }
  return target
}

/** A client error about one request field, in the endpoint's dialect once the route maps it. */
export function fail(message: string, param?: string): never {
  throw new DialectError(message, param)
}
