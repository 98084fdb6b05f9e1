/**
 * Reading generated service files back the way their managers do: systemd's `ExecStart=` and
 * `Environment=` words, `systemd-analyze verify`, and a strict reader for the plist subset launchd
 * agents use. Independent of the generator, so a quoting mistake shows as a mismatch.
 */
import { expect } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The values of `key=` lines of a unit, in order. */
export function unitValues(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1))
}

/**
 * systemd's splitting of a setting into words: specifiers (only `%%` expected), quotes, backslashes,
 * and for an Exec line (`exec`) `$$` in the arguments.
 */
export function systemdWords(value: string, exec: boolean): string[] {
  // any other specifier would be expanded by systemd, which the generator must never ask for
  expect(value.replaceAll('%%', '')).not.toContain('%')
  const text = value.replaceAll('%%', '%')
  const words: string[] = []
  let i = 0
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++
    if (i >= text.length) break
    let word = ''
    let quoted = false
    for (; i < text.length; i++) {
      const c = text[i]!
      if (c === '\\') {
        word += text[++i] ?? ''
      } else if (c === '"') {
        quoted = !quoted
      } else if (!quoted && /\s/.test(c)) {
        break
      } else {
        word += c
      }
    }
    if (quoted) throw new Error(`unbalanced quotes in ${value}`)
    // variables are expanded in an Exec line's arguments, not in its executable
    if (exec && words.length > 0) {
      // a lone `$` would be a variable reference, which the generator must never emit
      expect(word.replaceAll('$$', '')).not.toContain('$')
      word = word.replaceAll('$$', '$')
    }
    words.push(word)
  }
  return words
}

/** The command line and environment a systemd unit starts its service with. */
export function execOf(unit: string): { argv: string[]; env: Record<string, string> } {
  const [exec, ...more] = unitValues(unit, 'ExecStart')
  expect(more).toEqual([])
  const env: Record<string, string> = {}
  for (const v of unitValues(unit, 'Environment')) {
    for (const w of systemdWords(v, false)) {
      const eq = w.indexOf('=')
      env[w.slice(0, eq)] = w.slice(eq + 1)
    }
  }
  return { argv: systemdWords(exec!, true), env }
}

/** `systemd-analyze verify` of the unit in `dir`; its complaints (stderr), empty when clean. */
export async function verifyUnit(dir: string, unit: string, scope: 'user' | 'system'): Promise<string> {
  const file = join(dir, 'byokey.service')
  writeFileSync(file, unit)
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SYSTEMD_LOG_COLOR: '0' }
  if (scope === 'user') {
    // a user manager needs a runtime folder; a temp one keeps this machine's session out of it
    env['XDG_RUNTIME_DIR'] = dir
    env['HOME'] = dir
    env['XDG_CONFIG_HOME'] = join(dir, 'config')
  }
  const proc = Bun.spawn(
    ['systemd-analyze', 'verify', '--man=no', ...(scope === 'user' ? ['--user'] : []), file],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return code === 0 ? (stdout + stderr).trim() : `exit ${code}: ${stdout}${stderr}`
}

export type PlistValue = string | number | boolean | PlistValue[] | { [k: string]: PlistValue }

/**
 * A strict reader for XML property lists: prolog, doctype, `<plist version="1.0">` with one value;
 * dict (key/value pairs), array, string, integer, true, false; only the five XML entities. Anything
 * else (an unknown tag, a stray character, unbalanced tags) throws.
 */
export function parsePlist(xml: string): PlistValue {
  let s = xml
  const eat = (re: RegExp): RegExpExecArray => {
    const m = re.exec(s)
    if (!m) throw new Error(`plist: expected ${re} at: ${s.slice(0, 60)}`)
    s = s.slice(m[0].length)
    return m
  }
  const ws = () => eat(/^\s*/)
  const text = (raw: string): string => {
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(raw) || /[<>]/.test(raw)) throw new Error(`plist: bad text ${raw}`)
    return raw
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&')
  }
  const value = (): PlistValue => {
    ws()
    if (s.startsWith('<true/>')) return eat(/^<true\/>/) && true
    if (s.startsWith('<false/>')) return !eat(/^<false\/>/)
    if (s.startsWith('<string>')) return text(eat(/^<string>([^<]*)<\/string>/)[1]!)
    if (s.startsWith('<integer>')) return Number(eat(/^<integer>(-?\d+)<\/integer>/)[1])
    if (s.startsWith('<array>')) {
      eat(/^<array>/)
      const items: PlistValue[] = []
      for (ws(); !s.startsWith('</array>'); ws()) items.push(value())
      eat(/^<\/array>/)
      return items
    }
    if (s.startsWith('<dict>')) {
      eat(/^<dict>/)
      const dict: Record<string, PlistValue> = {}
      for (ws(); !s.startsWith('</dict>'); ws()) {
        const key = text(eat(/^<key>([^<]*)<\/key>/)[1]!)
        if (Object.hasOwn(dict, key)) throw new Error(`plist: duplicate key ${key}`)
        dict[key] = value()
      }
      eat(/^<\/dict>/)
      return dict
    }
    throw new Error(`plist: unexpected ${s.slice(0, 40)}`)
  }
  eat(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/)
  eat(
    /^<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">\s*/,
  )
  eat(/^<plist version="1\.0">/)
  const root = value()
  ws()
  eat(/^<\/plist>\s*$/)
  return root
}
