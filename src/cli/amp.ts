/**
 * `byokey amp inject`: points Amp CLI at this byokey by setting `amp.url` (and the keys of
 * `amp.settings`) in Amp's user settings file, editing the text in place so comments and
 * formatting stay (`docs/protocols/amp.md`, "amp inject"). The first change keeps a copy of the
 * file beside it; `--undo` puts the keys back from that copy.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Config } from '../config/schema.ts'
import { parseCommand, UsageError } from './args.ts'
import { readCommandConfig } from './command-config.ts'
import { COMMAND_HELP } from './help.ts'
import { homeDir } from './import-credentials.ts'
import { checkObject, JsoncError, keysOf, rawValueOf, remove, setRaw } from './jsonc-object.ts'
import { noExtraArgs } from './provider-arg.ts'

const URL_KEY = 'amp.url'
/** Beside the settings file: the file as it was before byokey first changed it. */
const BACKUP_SUFFIX = '.byokey-backup'
/** Beside the settings file when byokey created it (there was nothing to copy). */
const CREATED_SUFFIX = '.byokey-created'

export async function ampCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    url: { type: 'string' },
    undo: { type: 'boolean' },
    'settings-file': { type: 'string' },
    config: { type: 'string', short: 'c' },
  })
  if (values.help || positionals.length === 0) {
    console.log(COMMAND_HELP['amp'])
    return values.help ? 0 : 2
  }
  if (positionals[0] !== 'inject')
    throw new UsageError(`amp: unknown subcommand '${positionals[0]}'; use 'amp inject'`)
  noExtraArgs(positionals, 1, 'amp inject')
  if (values.undo && values.url !== undefined) throw new UsageError('amp inject: --undo takes no --url')
  const file = resolve(values['settings-file'] ?? ampSettingsFile())
  const config = readCommandConfig(values.config)
  if (!config) return 1
  try {
    if (values.undo) return undo(file, config)
    return inject(file, injectedUrl(values.url, config), config)
  } catch (e) {
    if (!(e instanceof JsoncError)) throw e
    console.error(`byokey: ${file} was left as it is: ${e.message}`)
    return 1
  }
}

/** Amp's user settings: `settings.json`, or `settings.jsonc` when only that one exists. */
export function ampSettingsFile(home = homeDir()): string {
  const dir = join(home, '.config', 'amp')
  const json = join(dir, 'settings.json')
  const jsonc = join(dir, 'settings.jsonc')
  return !existsSync(json) && existsSync(jsonc) ? jsonc : json
}

/** `--url`, else `amp.settings["amp.url"]`, else the config's own address (a wildcard bind as loopback). */
export function injectedUrl(flag: string | undefined, config: Config): string {
  const configured = config.amp.settings[URL_KEY]
  const url = flag ?? (typeof configured === 'string' ? configured : undefined)
  if (url !== undefined) {
    let parsed: URL | undefined
    try {
      parsed = new URL(url)
    } catch {}
    if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
      throw new UsageError(`amp inject: '${url}' is not an http(s) URL`)
    }
    return url.replace(/\/+$/, '')
  }
  let host = config.host
  if (host === '0.0.0.0' || host === '::' || host === '[::]') host = '127.0.0.1'
  else if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`
  return `http://${host}:${config.port}`
}

/** The keys inject sets, each as JSON text. */
function wantedKeys(url: string, config: Config): Array<[string, string]> {
  const extra = Object.entries(config.amp.settings).filter(([k]) => k !== URL_KEY)
  return [[URL_KEY, JSON.stringify(url)], ...extra.map(([k, v]): [string, string] => [k, JSON.stringify(v)])]
}

function readText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

/** Replaces `file` by `text` through a temp file and a rename, with the mode of `modeOf` (default the old file's). */
function writeText(file: string, text: string, modeOf = file): void {
  mkdirSync(dirname(file), { recursive: true })
  const mode = existsSync(modeOf) ? statSync(modeOf).mode & 0o777 : 0o644
  const tmp = `${file}.byokey-tmp`
  writeFileSync(tmp, text, { mode })
  renameSync(tmp, file)
}

function inject(file: string, url: string, config: Config): number {
  const before = readText(file)
  if (before !== undefined) checkObject(before)
  const keys = wantedKeys(url, config)
  let text = before ?? ''
  for (const [k, raw] of keys) text = setRaw(text, k, raw)
  if (!existsSync(file + BACKUP_SUFFIX) && !existsSync(file + CREATED_SUFFIX)) {
    if (before === undefined) writeText(file + CREATED_SUFFIX, '')
    else writeText(file + BACKUP_SUFFIX, before, file)
  }
  if (text !== before) writeText(file, text)
  console.log(`Amp now talks to ${url}`)
  if (keys.length > 1)
    console.log(
      `also set from amp.settings: ${keys
        .slice(1)
        .map(([k]) => k)
        .join(', ')}`,
    )
  console.log(`settings: ${file}`)
  console.log(
    `undo with: byokey amp inject --undo${file === ampSettingsFile() ? '' : ` --settings-file ${file}`}`,
  )
  return 0
}

function undo(file: string, config: Config): number {
  const backup = readText(file + BACKUP_SUFFIX)
  const created = existsSync(file + CREATED_SUFFIX)
  if (backup === undefined && !created) {
    console.error(`byokey: nothing to undo: ${file} has no ${BACKUP_SUFFIX} copy beside it`)
    return 1
  }
  const current = readText(file)
  if (current !== undefined) {
    const original = backup ?? ''
    let text = current
    for (const [k] of wantedKeys('', config)) {
      const raw = rawValueOf(original, k)
      text = raw === undefined ? remove(text, k) : setRaw(text, k, raw)
    }
    if (created && keysOf(text).length === 0) rmSync(file)
    else if (text !== current) writeText(file, text)
  }
  rmSync(file + (backup === undefined ? CREATED_SUFFIX : BACKUP_SUFFIX))
  console.log(`Amp talks to ${rawValueOf(backup ?? '', URL_KEY) ?? 'its default server'} again`)
  console.log(`settings: ${file}`)
  return 0
}
