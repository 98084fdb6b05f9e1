/**
 * Where byokey keeps its files. `BYOKEY_HOME` moves everything (config, database, socket, logs)
 * into one folder; otherwise the config follows XDG (`$XDG_CONFIG_HOME/byokey/config.yaml`,
 * default `~/.config/byokey/config.yaml`) and data lives in `~/.byokey/`.
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface Paths {
  configDir: string
  /** The config file to use: the first of config.yaml / config.yml / config.json that exists, else config.yaml. */
  configFile: string
  dataDir: string
  dbFile: string
  socketFile: string
  logDir: string
}

export function resolvePaths(env: Record<string, string | undefined> = process.env): Paths {
  const home = env['HOME'] || homedir()
  const byokeyHome = env['BYOKEY_HOME']
  const configDir = byokeyHome || join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'byokey')
  const dataDir = byokeyHome || join(home, '.byokey')
  const candidates = ['config.yaml', 'config.yml', 'config.json'].map((f) => join(configDir, f))
  return {
    configDir,
    configFile: candidates.find((f) => existsSync(f)) ?? candidates[0]!,
    dataDir,
    dbFile: join(dataDir, 'byokey.db'),
    socketFile: join(dataDir, 'byokey.sock'),
    logDir: join(dataDir, 'logs'),
  }
}
