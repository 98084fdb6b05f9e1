/**
 * The text of a service definition for byokey: a systemd unit (user or system) or a launchd agent
 * plist. Pure: everything about the machine (program path, folders, environment) comes in the
 * `ServiceSpec`, so every platform's form can be generated and checked anywhere.
 */

export type SystemdScope = 'user' | 'system'

export interface ServiceSpec {
  /** The executable and what precedes `serve`: `[binary]`, or `[bun, /abs/src/main.ts]`. */
  program: string[]
  /** `serve` and its flags. */
  args: string[]
  /** Variables the service needs that its manager would not give it. */
  env: Record<string, string>
  /** Folders the service writes (database, control socket, logs); the first is its data folder. */
  writable: string[]
  /** Working folder. */
  workDir: string
  /** A port below 1024 needs the bind capability in the system unit. */
  privilegedPort: boolean
  version: string
}

export const SYSTEMD_UNIT_NAME = 'byokey.service'
export const LAUNCHD_LABEL = 'io.byokey.server'
/** The dedicated account of the system unit; created by `service install --system`. */
export const SYSTEM_USER = 'byokey'
export const SYSTEM_STATE_DIR = '/var/lib/byokey'
export const SYSTEM_CONFIG_DIR = '/etc/byokey'

function rejectControlChars(s: string): void {
  // systemd and launchd both read one setting a line: a newline would inject settings
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) {
      throw new Error(`cannot put a control character in a service file: ${JSON.stringify(s)}`)
    }
  }
}

/**
 * One word of a systemd setting, quoted when needed. `%` is a specifier everywhere (`%%`); `$`
 * starts a variable only in an Exec line's arguments (`$$`, pass `exec`). Quotes and backslashes are escaped
 * inside double quotes, which keep spaces in one word.
 */
export function systemdWord(s: string, exec = false): string {
  rejectControlChars(s)
  let out = s.replaceAll('%', '%%')
  if (exec) out = out.replaceAll('$', '$$$$')
  if (s === '' || s === ';' || /[\s"'\\]/.test(s)) {
    return `"${out.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
  }
  return out
}

/**
 * The `ExecStart=` command line: program, then arguments, each word quoted for systemd. Variables
 * are expanded in the arguments only, so the executable's own `$` stays single.
 */
export function systemdExecLine(spec: ServiceSpec): string {
  return [...spec.program, ...spec.args].map((w, i) => systemdWord(w, i > 0)).join(' ')
}

const SHARED_HARDENING = [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  'PrivateTmp=yes',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'UMask=0077',
]

/** What only a system manager can enforce; a user manager lacks the privileges for most of it. */
const SYSTEM_HARDENING = [
  'ProtectHome=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'SystemCallArchitectures=native',
]

/**
 * The systemd unit. Left out on purpose: `MemoryDenyWriteExecute` (Bun's JIT writes code) and a
 * `SystemCallFilter` (the runtime's syscalls are not ours to pin down).
 */
export function systemdUnit(spec: ServiceSpec, scope: SystemdScope): string {
  const lines = [
    `# Written by 'byokey service install${scope === 'system' ? ' --system' : ''}' (byokey ${spec.version}).`,
    '# Run the install again to change it (add --print to see the result first).',
    '[Unit]',
    'Description=byokey AI gateway (OpenAI-, Anthropic- and Gemini-compatible endpoints)',
  ]
  // a user manager has no network-online.target of its own
  if (scope === 'system') lines.push('After=network-online.target', 'Wants=network-online.target')
  lines.push(
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=${systemdExecLine(spec)}`,
    // byokey re-reads its config on SIGHUP
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=2',
  )
  for (const [k, v] of Object.entries(spec.env)) lines.push(`Environment=${systemdWord(`${k}=${v}`)}`)
  lines.push(`WorkingDirectory=${systemdWord(spec.workDir)}`)
  if (scope === 'system') {
    lines.push(
      `User=${SYSTEM_USER}`,
      `Group=${SYSTEM_USER}`,
      'StateDirectory=byokey',
      'StateDirectoryMode=0700',
      'ConfigurationDirectory=byokey',
      'ConfigurationDirectoryMode=0750',
    )
    const caps = spec.privilegedPort ? 'CAP_NET_BIND_SERVICE' : ''
    lines.push(`CapabilityBoundingSet=${caps}`, `AmbientCapabilities=${caps}`)
  }
  lines.push(...SHARED_HARDENING)
  if (scope === 'system') lines.push(...SYSTEM_HARDENING)
  else lines.push('ProtectHome=read-only')
  lines.push(`ReadWritePaths=${spec.writable.map((p) => systemdWord(p)).join(' ')}`)
  lines.push('', '[Install]', `WantedBy=${scope === 'system' ? 'multi-user.target' : 'default.target'}`, '')
  return lines.join('\n')
}

function xml(s: string): string {
  rejectControlChars(s)
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

/** The launchd agent: started at login, restarted when it fails (a clean stop stays stopped). */
export function launchdPlist(spec: ServiceSpec, logDir: string): string {
  const str = (s: string) => `<string>${xml(s)}</string>`
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>`,
    `  ${str(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[...spec.program, ...spec.args].map((a) => `    ${str(a)}`),
    '  </array>',
  ]
  const env = Object.entries(spec.env)
  if (env.length > 0) {
    lines.push('  <key>EnvironmentVariables</key>', '  <dict>')
    for (const [k, v] of env) lines.push(`    <key>${xml(k)}</key>`, `    ${str(v)}`)
    lines.push('  </dict>')
  }
  lines.push(
    '  <key>WorkingDirectory</key>',
    `  ${str(spec.workDir)}`,
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  ${str(`${logDir}/service.log`)}`,
    '  <key>StandardErrorPath</key>',
    `  ${str(`${logDir}/service.err.log`)}`,
    '</dict>',
    '</plist>',
    '',
  )
  return lines.join('\n')
}

/** What to tell a Windows user: byokey registers no Windows service itself. */
export function windowsServiceHelp(spec: ServiceSpec): string {
  const cmd = [...spec.program, ...spec.args].map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ')
  return `byokey service: Windows services are not managed by byokey; nothing was installed.
A Windows service must answer the service control manager, which byokey does not, so
'sc.exe create' alone would start it and then report it as failed. Pick one of:
  - NSSM (https://nssm.cc), which wraps any program as a service:
      nssm install byokey ${cmd}
      nssm start byokey
  - Task Scheduler, started at logon of your account:
      schtasks /Create /TN byokey /SC ONLOGON /RL LIMITED /TR "${cmd.replaceAll('"', '\\"')}"
  - or run 'byokey serve' in a terminal, or under WSL, where 'byokey service install' writes a systemd unit.`
}
