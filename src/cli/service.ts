/**
 * `byokey service install|uninstall|start|stop|status`: runs `byokey serve` under the system's
 * service manager (a systemd unit on Linux, a launchd agent on macOS; Windows gets directions).
 * Everything about the machine comes in a `ServiceHost`, so tests point it at temp folders and fake
 * `systemctl`/`launchctl` executables.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { ConfigError, defaultConfig, parseConfig } from '../config/load.ts'
import { resolvePaths } from '../config/paths.ts'
import type { Config } from '../config/schema.ts'
import { fetchLimitFor, RUNTIME_DEFAULT_FETCH_LIMIT, slotCapacity } from '../gateway/upstream-slots.ts'
import { intFlag, parseCommand, UsageError } from './args.ts'
import { COMMAND_HELP } from './help.ts'
import {
  LAUNCHD_LABEL,
  launchdPlist,
  type ServiceSpec,
  SYSTEM_CONFIG_DIR,
  SYSTEM_STATE_DIR,
  SYSTEM_USER,
  SYSTEMD_UNIT_NAME,
  type SystemdScope,
  systemdUnit,
  windowsServiceHelp,
} from './service-units.ts'
import { VERSION } from './version.ts'

export interface ServiceHost {
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  uid: number
  /** The running executable: the compiled byokey, or bun. */
  execPath: string
  /** `process.argv[1]`: the script bun runs, or a path inside the compiled binary. */
  script: string | undefined
  /** Prefix for system paths (`/etc`, `/var/lib`): `/`, or a temp folder in tests. */
  root: string
  out(text: string): void
  err(text: string): void
}

export function processHost(): ServiceHost {
  return {
    platform: process.platform,
    env: process.env,
    uid: process.getuid?.() ?? -1,
    execPath: process.execPath,
    script: process.argv[1],
    root: '/',
    out: (t) => console.log(t),
    err: (t) => console.error(t),
  }
}

/** A failure the user can act on: printed as is, exit 1. */
class ServiceFailure extends Error {}

/**
 * The command that starts this byokey: the compiled binary alone, or bun with the script it runs
 * (`bun src/main.ts`). A compiled binary's script lives in its virtual file system (`/$bunfs/…`,
 * `B:/~BUN/…` on Windows), which is no file a service manager could start.
 */
export function programOf(execPath: string, script: string | undefined): string[] {
  if (!script || script.startsWith('/$bunfs/') || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(script)) {
    return [stableBrewPath(execPath)]
  }
  const file = resolve(script)
  return file !== execPath && existsSync(file) ? [execPath, file] : [execPath]
}

/**
 * Homebrew runs a formula from a versioned Cellar folder that the next upgrade deletes; its
 * `opt/<name>` link follows upgrades, so a service must name that one.
 */
function stableBrewPath(execPath: string): string {
  const m = /^(.*)\/Cellar\/([^/]+)\/[^/]+\/(bin\/[^/]+)$/.exec(execPath)
  if (!m) return execPath
  const opt = `${m[1]}/opt/${m[2]}/${m[3]}`
  return existsSync(opt) ? opt : execPath
}

interface InstallOptions {
  scope: SystemdScope
  config: string | undefined
  port: number | undefined
}

function readConfig(file: string | undefined): Config {
  if (!file) return defaultConfig()
  try {
    return parseConfig(readFileSync(file, 'utf8'), file).config
  } catch (e) {
    if (e instanceof ConfigError) throw new ServiceFailure(`config error: ${e.message}`)
    throw new ServiceFailure(`cannot read the config file ${file}: ${(e as Error).message}`)
  }
}

/** The environment a service needs beyond what its manager gives. */
function serviceEnv(config: Config, base: Record<string, string>): Record<string, string> {
  const env = { ...base }
  const wanted = config.server.max_upstream_requests
  // the runtime reads this once at start, so it belongs in the service's environment
  if (slotCapacity(wanted, RUNTIME_DEFAULT_FETCH_LIMIT) < wanted) {
    env['BUN_CONFIG_MAX_HTTP_REQUESTS'] = String(fetchLimitFor(wanted))
  }
  return env
}

/** The data folder, and the log file's folder when the config names one elsewhere. */
function writableFor(config: Config, dataDir: string, workDir: string): string[] {
  const logDir = config.log.file ? dirname(resolve(workDir, config.log.file)) : undefined
  const inside = logDir === undefined || logDir === dataDir || logDir.startsWith(`${dataDir}/`)
  return inside ? [dataDir] : [dataDir, logDir]
}

function isPrivileged(port: number): boolean {
  return port > 0 && port < 1024
}

/**
 * What the service runs, for this user (their config and data folders, as `byokey serve` finds
 * them now) or for the system (config in /etc/byokey, state in /var/lib/byokey).
 */
export function buildSpec(
  host: ServiceHost,
  opts: InstallOptions,
): { spec: ServiceSpec; configSource?: string } {
  const program = programOf(host.execPath, host.script)
  const portArgs = opts.port === undefined ? [] : ['-p', String(opts.port)]
  if (opts.config !== undefined && !existsSync(resolve(opts.config))) {
    throw new ServiceFailure(`config file not found: ${resolve(opts.config)}`)
  }
  if (opts.scope === 'system') {
    const installed = join(host.root, SYSTEM_CONFIG_DIR, 'config.yaml')
    const source = opts.config ? resolve(opts.config) : existsSync(installed) ? installed : undefined
    const config = readConfig(source)
    const spec: ServiceSpec = {
      program,
      args: [
        'serve',
        '-c',
        `${SYSTEM_CONFIG_DIR}/config.yaml`,
        '--db',
        `${SYSTEM_STATE_DIR}/byokey.db`,
        ...portArgs,
      ],
      env: serviceEnv(config, { BYOKEY_HOME: SYSTEM_STATE_DIR }),
      writable: writableFor(config, SYSTEM_STATE_DIR, SYSTEM_STATE_DIR),
      workDir: SYSTEM_STATE_DIR,
      privilegedPort: isPrivileged(opts.port ?? config.port),
      version: VERSION,
    }
    return { spec, configSource: source }
  }
  const paths = resolvePaths(host.env)
  // the file `serve` would read today, pinned, so the service and this shell agree
  const configFile = opts.config
    ? resolve(opts.config)
    : existsSync(paths.configFile)
      ? paths.configFile
      : undefined
  const config = readConfig(configFile)
  const base: Record<string, string> = {}
  if (host.env['BYOKEY_HOME']) base['BYOKEY_HOME'] = resolve(host.env['BYOKEY_HOME'])
  const spec: ServiceSpec = {
    program,
    args: ['serve', ...(configFile ? ['-c', configFile] : []), ...portArgs],
    env: serviceEnv(config, base),
    writable: writableFor(config, resolve(paths.dataDir), homeOf(host)),
    workDir: homeOf(host),
    privilegedPort: isPrivileged(opts.port ?? config.port),
    version: VERSION,
  }
  return { spec }
}

function homeOf(host: ServiceHost): string {
  return host.env['HOME'] || homedir()
}

interface ToolResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a system tool found on the host's PATH; undefined when there is no such tool. */
function runTool(host: ServiceHost, cmd: string[]): ToolResult | undefined {
  const exe = Bun.which(cmd[0]!, { PATH: host.env['PATH'] ?? '' })
  if (!exe) return undefined
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(host.env)) if (v !== undefined) env[k] = v
  const r = Bun.spawnSync([exe, ...cmd.slice(1)], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.exitCode ?? 1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

const NO_USER_BUS =
  /Failed to connect to (user scope )?bus|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|No medium found/i

// ---------- systemd ----------

class Systemd {
  constructor(
    private readonly host: ServiceHost,
    private readonly scope: SystemdScope,
  ) {}

  get unitPath(): string {
    if (this.scope === 'system') return join(this.host.root, 'etc', 'systemd', 'system', SYSTEMD_UNIT_NAME)
    const config = this.host.env['XDG_CONFIG_HOME'] || join(homeOf(this.host), '.config')
    return join(config, 'systemd', 'user', SYSTEMD_UNIT_NAME)
  }

  private command(...args: string[]): string[] {
    return ['systemctl', ...(this.scope === 'user' ? ['--user'] : []), ...args]
  }

  /** Runs each systemctl step; on the first failure says what went wrong and what to run by hand. */
  run(steps: string[][], opts: { passOutput?: boolean } = {}): number {
    const manual = steps.map((s) => this.command(...s).join(' ')).join(' && ')
    for (const step of steps) {
      const cmd = this.command(...step)
      const r = runTool(this.host, cmd)
      if (!r) {
        this.host.err(
          `byokey service: systemctl was not found on PATH, so systemd cannot be told about the unit.\n` +
            `On a machine that runs systemd, run: ${manual}\n` +
            `Elsewhere, start 'byokey serve' with your init system, or use 'byokey start'.`,
        )
        return 1
      }
      if (opts.passOutput) {
        if (r.stdout) this.host.out(r.stdout.trimEnd())
        if (r.stderr) this.host.err(r.stderr.trimEnd())
        if (r.code !== 0) return r.code
        continue
      }
      if (r.code === 0) continue
      if (this.scope === 'user' && NO_USER_BUS.test(r.stderr)) {
        const user = this.host.env['USER'] || this.host.env['LOGNAME'] || '<you>'
        this.host.err(
          `byokey service: there is no systemd user session here (${r.stderr.trim().split('\n')[0]}).\n` +
            `This happens over 'su', in containers, or over SSH as another user. Log in as ${user} ` +
            `(or run 'sudo loginctl enable-linger ${user}' once), then run:\n  ${manual}\n` +
            `Or install a system service instead: sudo byokey service install --system`,
        )
        return 1
      }
      this.host.err(
        `byokey service: '${cmd.join(' ')}' failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
      )
      return 1
    }
    return 0
  }

  manualHint(verb: string): string {
    return this.command(verb, SYSTEMD_UNIT_NAME).join(' ')
  }
}

/** The system unit's account, created when missing; returns its group id. */
function ensureSystemUser(host: ServiceHost): number {
  const group = () => runTool(host, ['getent', 'group', SYSTEM_USER])
  let g = group()
  if (!g) throw new ServiceFailure('getent was not found on PATH: cannot look up the byokey account')
  if (g.code !== 0) {
    const add = runTool(host, [
      'useradd',
      '--system',
      '--user-group',
      '--home-dir',
      SYSTEM_STATE_DIR,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      SYSTEM_USER,
    ])
    if (add?.code !== 0) {
      throw new ServiceFailure(
        `cannot create the '${SYSTEM_USER}' account (${add ? add.stderr.trim() : 'useradd not found'}); create it and install again`,
      )
    }
    host.out(`created the system account '${SYSTEM_USER}'`)
    g = group()
  }
  const gid = Number(g?.stdout.split(':')[2])
  if (g?.code !== 0 || !Number.isInteger(gid))
    throw new ServiceFailure(`cannot find the group '${SYSTEM_USER}'`)
  return gid
}

const SYSTEM_DEFAULT_CONFIG = `# byokey config of the system service (byokey service install --system).
# Every key is in the README; byokey re-reads this file when it changes.
host: 127.0.0.1
port: 8018
`

/** /etc/byokey/config.yaml: the given file, or a minimal one; readable by root and the service only. */
function installSystemConfig(host: ServiceHost, source: string | undefined, gid: number): void {
  const target = join(host.root, SYSTEM_CONFIG_DIR, 'config.yaml')
  mkdirSync(dirname(target), { recursive: true, mode: 0o750 })
  chownSync(dirname(target), 0, gid)
  if (source === target) return
  if (source) {
    writeFileSync(target, readFileSync(source), { mode: 0o640 })
    host.out(`copied ${source} to ${target}`)
  } else {
    writeFileSync(target, SYSTEM_DEFAULT_CONFIG, { mode: 0o640 })
    host.out(`wrote a default config to ${target}`)
  }
  chownSync(target, 0, gid)
}

/** ProtectHome=yes hides home folders from the system service, its executable included. */
function warnIfInHome(host: ServiceHost, program: string[]): void {
  const hidden = program.filter((p) => /^\/(home|root|run\/user)(\/|$)/.test(p))
  if (hidden.length === 0) return
  host.err(
    `byokey service: warning: the system service cannot see home folders, so it cannot run ${hidden.join(' ')}.\n` +
      'Copy byokey to /usr/local/bin (sudo install -m 755 "$(command -v byokey)" /usr/local/bin/) and install from there.',
  )
}

function systemdCommand(
  host: ServiceHost,
  action: string,
  opts: InstallOptions & { print: boolean },
): number {
  const sd = new Systemd(host, opts.scope)
  const sudo = opts.scope === 'system' ? 'sudo ' : ''
  const flag = opts.scope === 'system' ? ' --system' : ''
  if (action === 'install') {
    const { spec, configSource } = buildSpec(host, opts)
    const unit = systemdUnit(spec, opts.scope)
    if (opts.print) {
      host.out(unit.trimEnd())
      return 0
    }
    if (opts.scope === 'system') {
      if (host.uid !== 0)
        throw new ServiceFailure(
          'installing a system service needs root: sudo byokey service install --system',
        )
      installSystemConfig(host, configSource, ensureSystemUser(host))
    } else {
      // ProtectHome=read-only: the writable data folder must exist before the unit starts
      for (const dir of spec.writable) mkdirSync(dir, { recursive: true, mode: 0o700 })
    }
    if (opts.scope === 'system') warnIfInHome(host, spec.program)
    const update = existsSync(sd.unitPath)
    mkdirSync(dirname(sd.unitPath), { recursive: true })
    writeFileSync(sd.unitPath, unit, { mode: 0o644 })
    host.out(`${update ? 'updated' : 'wrote'} ${sd.unitPath}`)
    // an updated unit (new binary, new flags) only applies once the running service restarts
    const code = sd.run([
      ['daemon-reload'],
      ['enable', SYSTEMD_UNIT_NAME],
      [update ? 'restart' : 'start', SYSTEMD_UNIT_NAME],
    ])
    if (code !== 0) return code
    const journal = opts.scope === 'user' ? 'journalctl --user' : 'journalctl'
    host.out(
      `byokey runs as ${opts.scope === 'user' ? 'your user service' : 'a system service'} and starts ${opts.scope === 'user' ? 'when you log in' : 'at boot'}.\n` +
        `  status: ${sudo}byokey service status${flag}\n  logs:   ${sudo}${journal} -u byokey -f\n  reload: ${sudo}${sd.manualHint('reload')}`,
    )
    if (opts.scope === 'user') {
      host.out(
        `To keep it running while you are logged out: sudo loginctl enable-linger ${host.env['USER'] || '$USER'}`,
      )
    }
    return 0
  }
  const installed = existsSync(sd.unitPath)
  if (action === 'uninstall') {
    if (!installed) {
      host.out(`byokey service is not installed (no ${sd.unitPath}); nothing to do`)
      return 0
    }
    const code = sd.run([['disable', '--now', SYSTEMD_UNIT_NAME]])
    if (code !== 0) return code
    rmSync(sd.unitPath)
    host.out(`removed ${sd.unitPath}`)
    const reload = sd.run([['daemon-reload']])
    if (opts.scope === 'system') {
      host.out(`kept the config in ${SYSTEM_CONFIG_DIR} and the database in ${SYSTEM_STATE_DIR}`)
    }
    return reload
  }
  if (!installed) {
    if (action === 'status') {
      host.out(`byokey service: not installed (no ${sd.unitPath})`)
      return 3
    }
    throw new ServiceFailure(`the service is not installed: run '${sudo}byokey service install${flag}' first`)
  }
  if (action === 'status') {
    host.out(`unit: ${sd.unitPath}`)
    return sd.run([['status', '--no-pager', SYSTEMD_UNIT_NAME]], { passOutput: true })
  }
  const code = sd.run([[action, SYSTEMD_UNIT_NAME]])
  if (code === 0) host.out(action === 'start' ? 'byokey service started' : 'byokey service stopped')
  return code
}

// ---------- launchd ----------

function launchdCommand(
  host: ServiceHost,
  action: string,
  opts: InstallOptions & { print: boolean },
): number {
  const home = homeOf(host)
  const plistPath = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`)
  const domain = `gui/${host.uid}`
  const target = `${domain}/${LAUNCHD_LABEL}`
  const launchctl = (...args: string[]): ToolResult => {
    const r = runTool(host, ['launchctl', ...args])
    if (!r) throw new ServiceFailure(`launchctl was not found on PATH; run: launchctl ${args.join(' ')}`)
    return r
  }
  const must = (r: ToolResult, what: string): number => {
    if (r.code === 0) return 0
    host.err(
      `byokey service: launchctl ${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    )
    return 1
  }
  if (action === 'install') {
    const { spec } = buildSpec(host, opts)
    const logDir = resolvePaths(host.env).logDir
    const plist = launchdPlist(spec, logDir)
    if (opts.print) {
      host.out(plist.trimEnd())
      return 0
    }
    mkdirSync(logDir, { recursive: true, mode: 0o700 })
    mkdirSync(dirname(plistPath), { recursive: true })
    writeFileSync(plistPath, plist, { mode: 0o644 })
    host.out(`wrote ${plistPath}`)
    launchctl('bootout', target) // an earlier version of the agent; not loaded is fine
    const code = must(launchctl('bootstrap', domain, plistPath), 'bootstrap')
    if (code === 0) host.out(`byokey runs as a launchd agent and starts when you log in; logs in ${logDir}`)
    return code
  }
  const installed = existsSync(plistPath)
  if (action === 'uninstall') {
    if (!installed) {
      host.out(`byokey service is not installed (no ${plistPath}); nothing to do`)
      return 0
    }
    launchctl('bootout', target)
    rmSync(plistPath)
    host.out(`removed ${plistPath}`)
    return 0
  }
  if (!installed) {
    if (action === 'status') {
      host.out(`byokey service: not installed (no ${plistPath})`)
      return 3
    }
    throw new ServiceFailure(`the service is not installed: run 'byokey service install' first`)
  }
  if (action === 'start') {
    const r = launchctl('bootstrap', domain, plistPath)
    // already loaded: start it again instead
    return r.code === 0 ? 0 : must(launchctl('kickstart', target), 'kickstart')
  }
  if (action === 'stop') return must(launchctl('bootout', target), 'bootout')
  host.out(`agent: ${plistPath}`)
  const r = launchctl('print', target)
  host.out(r.code === 0 ? r.stdout.trimEnd() : 'not loaded (stopped)')
  return r.code === 0 ? 0 : 3
}

// ---------- the command ----------

const ACTIONS = new Set(['install', 'uninstall', 'start', 'stop', 'status'])

export async function serviceCommand(argv: string[], host: ServiceHost = processHost()): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    system: { type: 'boolean' },
    user: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
    port: { type: 'string', short: 'p' },
    print: { type: 'boolean' },
  })
  if (values.help) {
    host.out(COMMAND_HELP['service']!)
    return 0
  }
  const [action, ...extra] = positionals
  if (!action || !ACTIONS.has(action)) {
    throw new UsageError(
      `service needs one of ${[...ACTIONS].join(', ')}${action ? ` (got '${action}')` : ''}`,
    )
  }
  if (extra.length > 0)
    throw new UsageError(`service ${action} takes no more arguments (got '${extra.join(' ')}')`)
  if (values.system && values.user) throw new UsageError('--system and --user exclude each other')
  if (action !== 'install' && (values.config || values.port || values.print)) {
    throw new UsageError('-c, -p and --print go with service install')
  }
  const opts = {
    scope: (values.system ? 'system' : 'user') as SystemdScope,
    config: values.config,
    port: intFlag('port', values.port, 1, 65535),
    print: Boolean(values.print),
  }
  try {
    if (host.platform === 'win32') {
      host.err(windowsServiceHelp(buildSpec(host, { ...opts, scope: 'user' }).spec))
      return 1
    }
    if (host.platform === 'darwin') {
      if (values.system)
        throw new UsageError('--system is for Linux (systemd); on macOS byokey installs a per-user agent')
      return launchdCommand(host, action, opts)
    }
    return systemdCommand(host, action, opts)
  } catch (e) {
    if (e instanceof ServiceFailure) {
      host.err(`byokey service: ${e.message}`)
      return 1
    }
    throw e
  }
}
