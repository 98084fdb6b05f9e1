/**
 * Edits the top-level keys of a JSON object file in place, as text: the file may hold comments
 * and trailing commas (JSONC, as Amp's settings allow), and whatever the edit does not touch
 * (comments, order, indentation, other keys' bytes) stays exactly as it was.
 */

export class JsoncError extends Error {
  override readonly name = 'JsoncError'
}

interface Member {
  key: string
  /** Where the key's opening quote is. */
  start: number
  valueStart: number
  valueEnd: number
  /** Where the comma after the value is; undefined for a last member without one. */
  comma: number | undefined
}

interface ObjectText {
  open: number
  close: number
  members: Member[]
}

/** Skips whitespace and comments from `i`; the index of the next meaningful character. */
function skipBlank(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) i++
    else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i)
      i = nl === -1 ? text.length : nl + 1
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2)
      if (end === -1) throw new JsoncError('a /* comment is never closed')
      i = end + 2
    } else return i
  }
}

/** The end of the string literal starting at `i` (its opening quote). */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j)
    if (c === 92 /* \ */) j++
    else if (c === 34 /* " */) return j + 1
    else if (c === 10) break
  }
  throw new JsoncError('a string is never closed')
}

/** The end of the value starting at `i` (nested objects and arrays included, comments inside allowed). */
function skipValue(text: string, i: number): number {
  const c = text[i]
  if (c === '"') return skipString(text, i)
  if (c === '{' || c === '[') {
    const closing: string[] = []
    let j = i
    while (j < text.length) {
      j = skipBlank(text, j)
      const d = text[j]
      if (d === '"') {
        j = skipString(text, j)
        continue
      }
      if (d === '{') closing.push('}')
      else if (d === '[') closing.push(']')
      else if (d === '}' || d === ']') {
        if (closing.pop() !== d) throw new JsoncError(`unexpected '${d}'`)
        if (closing.length === 0) return j + 1
      }
      j++
    }
    throw new JsoncError('an object or array is never closed')
  }
  const m = /^(?:-?\d[\d.eE+-]*|true|false|null)/.exec(text.slice(i, i + 64))
  if (!m) throw new JsoncError(`unexpected ${i < text.length ? `'${text[i]}'` : 'end of file'}`)
  return i + m[0].length
}

/** The top-level object of `text` and its members; a `JsoncError` when it is not one. */
function scan(text: string): ObjectText {
  const open = skipBlank(text, 0)
  if (text[open] !== '{') throw new JsoncError('the file is not a JSON object')
  const members: Member[] = []
  let i = skipBlank(text, open + 1)
  while (text[i] !== '}') {
    if (text[i] !== '"')
      throw new JsoncError(`expected a key, found ${i < text.length ? `'${text[i]}'` : 'the end'}`)
    const start = i
    const keyEnd = skipString(text, i)
    const key = JSON.parse(text.slice(start, keyEnd)) as string
    i = skipBlank(text, keyEnd)
    if (text[i] !== ':') throw new JsoncError(`expected ':' after "${key}"`)
    const valueStart = skipBlank(text, i + 1)
    const valueEnd = skipValue(text, valueStart)
    i = skipBlank(text, valueEnd)
    let comma: number | undefined
    if (text[i] === ',') {
      comma = i
      i = skipBlank(text, i + 1)
    } else if (text[i] !== '}') throw new JsoncError(`expected ',' or '}' after "${key}"`)
    members.push({ key, start, valueStart, valueEnd, comma })
  }
  if (skipBlank(text, i + 1) !== text.length) throw new JsoncError('text after the closing }')
  return { open, close: i, members }
}

/** A blank file stands for an empty object. */
function orEmpty(text: string): string {
  return text.trim() === '' ? '{}\n' : text
}

/** Checks that `text` is a JSON object with comments allowed; throws `JsoncError` saying what is wrong. */
export function checkObject(text: string): void {
  scan(orEmpty(text))
}

/** The value of a top-level key as it is written (comments inside kept); undefined when absent. */
export function rawValueOf(text: string, key: string): string | undefined {
  const m = scan(orEmpty(text)).members.find((x) => x.key === key)
  return m ? orEmpty(text).slice(m.valueStart, m.valueEnd) : undefined
}

/** The top-level keys, in order. */
export function keysOf(text: string): string[] {
  return scan(orEmpty(text)).members.map((m) => m.key)
}

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1
}

function onlyBlankBetween(text: string, from: number, to: number): boolean {
  return /^[ \t]*$/.test(text.slice(from, to))
}

/**
 * `text` with the top-level `key` set to `raw` (JSON text): its value replaced where the key
 * exists, else a member added after the last one, indented like the first.
 */
export function setRaw(text: string, key: string, raw: string): string {
  const src = orEmpty(text)
  const o = scan(src)
  const found = o.members.find((m) => m.key === key)
  if (found) return src.slice(0, found.valueStart) + raw + src.slice(found.valueEnd)
  const member = `${JSON.stringify(key)}: ${raw}`
  const first = o.members[0]
  if (!first) {
    const inside = src.slice(o.open + 1, o.close)
    if (inside.trim() === '') return `${src.slice(0, o.open + 1)}\n  ${member}\n${src.slice(o.close)}`
    return `${src.slice(0, o.close)}  ${member}\n${src.slice(o.close)}`
  }
  const firstLine = lineStart(src, first.start)
  const indent =
    firstLine > o.open && onlyBlankBetween(src, firstLine, first.start)
      ? src.slice(firstLine, first.start)
      : ''
  const last = o.members[o.members.length - 1] as Member
  const trailing = last.comma !== undefined ? ',' : ''
  const closeLine = lineStart(src, o.close)
  let out = src
  let at: number
  let insert: string
  if (closeLine > last.valueEnd && onlyBlankBetween(src, closeLine, o.close)) {
    at = closeLine
    insert = `${indent}${member}${trailing}\n`
  } else {
    at = o.close
    insert = ` ${member}${trailing}`
  }
  out = out.slice(0, at) + insert + out.slice(at)
  // the comma the old last member now needs, inserted after the new text's position is fixed
  if (last.comma === undefined) out = `${out.slice(0, last.valueEnd)},${out.slice(last.valueEnd)}`
  return out
}

/** `text` without the top-level `key` (and its line, when it had one of its own); unchanged when absent. */
export function remove(text: string, key: string): string {
  const src = orEmpty(text)
  const o = scan(src)
  const index = o.members.findIndex((m) => m.key === key)
  if (index === -1) return src
  const m = o.members[index] as Member
  let from = m.start
  let to = m.comma !== undefined ? m.comma + 1 : m.valueEnd
  const ls = lineStart(src, from)
  const nl = src.indexOf('\n', to)
  const le = nl === -1 ? src.length : nl
  if (ls > o.open && onlyBlankBetween(src, ls, from) && onlyBlankBetween(src, to, le)) {
    from = ls
    to = nl === -1 ? src.length : nl + 1
  }
  const out = src.slice(0, from) + src.slice(to)
  // a last member without a comma goes: the one before it gives up its comma
  const prev = o.members[index - 1]
  if (m.comma === undefined && prev?.comma !== undefined) {
    return out.slice(0, prev.comma) + out.slice(prev.comma + 1)
  }
  return out
}
