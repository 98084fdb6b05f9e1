/** `byokey config check`: loads a config file the way `serve` does, without starting anything. */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { coordinationSettings } from '../config/coordination.ts'
import { ConfigError, defaultConfig, parseConfig } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import type { Config } from '../config/schema.ts'
import { exposedConfigMode } from '../config/secrets.ts'
import { parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import { noExtraArgs } from './provider-arg.ts'
import { storeTarget } from './store-access.ts'

export type ConfigCheck =
  | { ok: true; file: string; exists: boolean; config: Config; warnings: string[]; summary: string }
  | { ok: false; file: string; exists: boolean; problem: string }

/** How many credentials the config holds or names: provider keys, upstream keys and key variables. */
function keyCount(config: Config): number {
  let n = 0
  for (const p of Object.values(config.providers)) n += (p.api_key ? 1 : 0) + p.api_keys.length
  for (const u of config.upstreams) n += u.api_key || u.api_key_env ? 1 : 0
  return n
}

function summarize(file: string, config: Config, exists: boolean): string {
  if (!exists) return `${file}: not found; byokey runs on built-in defaults`
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  const providers = Object.keys(config.providers)
  return [
    `${file}: ok`,
    `${plural(providers.length, 'provider')}${providers.length ? ` (${providers.join(', ')})` : ''}`,
    plural(config.upstreams.length, 'upstream'),
    plural(keyCount(config), 'key'),
    `listens on ${config.host}:${config.port}`,
  ].join(', ')
}

/**
 * The config file `serve` would read (`-c FILE`, else the usual path), parsed and validated by the
 * same loader. A missing file is a problem only when it was named explicitly.
 */
export function checkConfig(explicit: string | undefined): ConfigCheck {
  const file = explicit ? resolve(explicit) : resolvePaths().configFile
  if (!existsSync(file)) {
    if (explicit) return { ok: false, file, exists: false, problem: `${file}: config file not found` }
    const config = defaultConfig()
    return { ok: true, file, exists: false, config, warnings: [], summary: summarize(file, config, false) }
  }
  try {
    const loaded = parseConfig(readFileSync(file, 'utf8'), file)
    coordinationSettings(loaded.config) // what `serve` would refuse to start with
    storeTarget(loaded.config.store, '') // likewise
    const warnings = [...loaded.warnings]
    const mode = exposedConfigMode(file, loaded.config)
    if (mode !== undefined) {
      warnings.push(`${file}: holds API keys and is mode 0${mode.toString(8)}: run chmod 600 ${file}`)
    }
    return {
      ok: true,
      file,
      exists: true,
      config: loaded.config,
      warnings,
      summary: summarize(file, loaded.config, true),
    }
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, file, exists: true, problem: e.message }
    return { ok: false, file, exists: true, problem: `${file}: ${(e as Error).message}` }
  }
}

export async function configCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { config: { type: 'string', short: 'c' } })
  if (values.help || positionals.length === 0) {
    console.log(COMMAND_HELP['config'])
    return positionals.length === 0 && !values.help ? 2 : 0
  }
  if (positionals[0] !== 'check') throw new UsageError(`unknown config subcommand '${positionals[0]}'`)
  noExtraArgs(positionals, 1, 'config check')
  const result = checkConfig(values.config)
  if (!result.ok) {
    console.error(result.problem)
    return 1
  }
  for (const w of result.warnings) console.error(`warning: ${w}`)
  console.log(result.summary)
  return 0
}
