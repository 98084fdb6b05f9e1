/**
 * `byokey service` as a user runs it: the printed unit's own ExecStart starts a working gateway,
 * and install/start/stop/status/uninstall drive systemctl (a fake on PATH that records its
 * arguments; this machine's systemd and home are never touched).
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { type ServiceHost, serviceCommand } from '../../src/cli/service.ts'
import { fakeTools } from '../helpers/fake-tools.ts'
import { runCli, SOURCE_CMD, startServer } from '../helpers/process.ts'
import { execOf, verifyUnit } from '../helpers/service-files.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

/** The environment of a user whose home, config and data are all in `dir`. */
function userEnv(dir: TempDir, path: string): Record<string, string> {
  return {
    HOME: dir.join('home'),
    XDG_CONFIG_HOME: dir.join('home', '.config'),
    BYOKEY_HOME: dir.join('byokey home'),
    USER: 'alice',
    PATH: path,
  }
}

describe('the generated unit starts a working gateway', () => {
  test('ExecStart with its Environment, parsed back from --print, answers /readyz 200 and stops', async () => {
    using dir = tempDir()
    const configDir = dir.join('my configs')
    mkdirSync(configDir)
    const config = `${configDir}/config.yaml`
    // over 240: the unit must raise the runtime's fetch limit, and /readyz shows that it did
    writeFileSync(config, 'port: 0\nserver:\n  max_upstream_requests: 1000\n')
    const r = await runCli(
      ['service', 'install', '--print', '-c', config],
      userEnv(dir, process.env['PATH'] ?? ''),
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const unit = r.stdout
    expect(await verifyUnit(dir.path, unit, 'user')).toBe('')
    // nothing was written: --print only prints
    expect(existsSync(dir.join('home', '.config', 'systemd'))).toBe(false)

    const { argv, env } = execOf(unit)
    expect(argv).toEqual([...SOURCE_CMD, 'serve', '-c', config])
    expect(env).toEqual({ BYOKEY_HOME: dir.join('byokey home'), BUN_CONFIG_MAX_HTTP_REQUESTS: '1016' })
    const serve = argv.indexOf('serve')
    mkdirSync(env['BYOKEY_HOME']!, { recursive: true })
    await using server = await startServer(argv.slice(serve + 1), env, argv.slice(0, serve))
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(((await ready.json()) as { upstream: { limit: number } }).upstream.limit).toBe(1000)
    // the database is where the unit's ReadWritePaths lets it write
    expect(existsSync(dir.join('byokey home', 'byokey.db'))).toBe(true)
    expect(await server.stop()).toBe(0)
  })
})

describe('install, start, stop, status, uninstall through systemctl', () => {
  test('a user unit: written, enabled and started; stopped, disabled and removed', async () => {
    using dir = tempDir()
    const tools = fakeTools(dir.path)
    tools.add('systemctl', 'case "$2" in status) echo "   Active: active (running)";; esac; exit 0')
    const env = userEnv(dir, `${tools.bin}:${process.env['PATH']}`)
    const unitPath = dir.join('home', '.config', 'systemd', 'user', 'byokey.service')

    const install = await runCli(['service', 'install', '-p', '9100'], env)
    expect(install.stderr).toBe('')
    expect(install.code).toBe(0)
    expect(install.stdout).toContain(`wrote ${unitPath}`)
    expect(install.stdout).toContain('loginctl enable-linger alice')
    const unit = readFileSync(unitPath, 'utf8')
    expect(execOf(unit).argv.slice(-3)).toEqual(['serve', '-p', '9100'])
    // the sandbox makes home read-only: the data folder must exist before the unit starts
    expect(statSync(dir.join('byokey home')).mode & 0o777).toBe(0o700)

    const status = await runCli(['service', 'status'], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`unit: ${unitPath}`)
    expect(status.stdout).toContain('active (running)')
    expect((await runCli(['service', 'stop'], env)).code).toBe(0)
    expect((await runCli(['service', 'start'], env)).code).toBe(0)
    // installing again updates the unit and restarts the service so the change applies
    const update = await runCli(['service', 'install', '-p', '9101'], env)
    expect(update.code).toBe(0)
    expect(update.stdout).toContain(`updated ${unitPath}`)
    expect(execOf(readFileSync(unitPath, 'utf8')).argv.slice(-3)).toEqual(['serve', '-p', '9101'])

    const uninstall = await runCli(['service', 'uninstall'], env)
    expect(uninstall.code).toBe(0)
    expect(existsSync(unitPath)).toBe(false)
    expect(tools.calls()).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable byokey.service',
      'systemctl --user start byokey.service',
      'systemctl --user status --no-pager byokey.service',
      'systemctl --user stop byokey.service',
      'systemctl --user start byokey.service',
      'systemctl --user daemon-reload',
      'systemctl --user enable byokey.service',
      'systemctl --user restart byokey.service',
      'systemctl --user disable --now byokey.service',
      'systemctl --user daemon-reload',
    ])
    // once removed there is nothing to stop, and uninstalling again is harmless
    const again = await runCli(['service', 'uninstall'], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('not installed')
    const stop = await runCli(['service', 'stop'], env)
    expect(stop.code).toBe(1)
    expect(stop.stderr).toContain("run 'byokey service install' first")
    expect((await runCli(['service', 'status'], env)).code).toBe(3)
  })

  test('no user bus: exits 1 and says what to run once logged in', async () => {
    using dir = tempDir()
    const tools = fakeTools(dir.path)
    tools.add('systemctl', 'echo "Failed to connect to bus: No medium found" >&2; exit 1')
    const r = await runCli(['service', 'install'], userEnv(dir, `${tools.bin}:${process.env['PATH']}`))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('there is no systemd user session here')
    expect(r.stderr).toContain('loginctl enable-linger alice')
    expect(r.stderr).toContain(
      'systemctl --user daemon-reload && systemctl --user enable byokey.service && systemctl --user start byokey.service',
    )
  })

  test('no systemctl: exits 1 and says so, naming the commands for a systemd machine', async () => {
    using dir = tempDir()
    const tools = fakeTools(dir.path) // an empty folder: the only thing on PATH
    const install = await runCli(['service', 'install'], userEnv(dir, tools.bin))
    expect(install.code).toBe(1)
    expect(install.stderr).toContain('systemctl was not found on PATH')
    expect(install.stderr).toContain('systemctl --user daemon-reload')
  })

  test('usage errors exit 2', async () => {
    for (const args of [
      ['service'],
      ['service', 'restart-everything'],
      ['service', 'install', '--system', '--user'],
      ['service', 'start', '--print'],
      ['service', 'install', '-p', '0'],
    ]) {
      const r = await runCli(args, { HOME: '/nonexistent' })
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
    }
    const help = await runCli(['service', '--help'])
    expect(help.stdout).toContain('Usage: byokey service install')
    expect(help.stdout).toContain('Examples:')
  })
})

describe('a system service', () => {
  function systemHost(dir: TempDir, uid: number, path: string) {
    const out: string[] = []
    const err: string[] = []
    const host: ServiceHost = {
      platform: 'linux',
      env: { HOME: dir.join('home'), PATH: path },
      uid,
      execPath: '/usr/local/bin/byokey',
      script: '/$bunfs/root/byokey',
      root: dir.join('root'),
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    }
    return { host, out, err }
  }

  test('needs root', async () => {
    using dir = tempDir()
    const { host, err } = systemHost(dir, 1000, '')
    expect(await serviceCommand(['install', '--system'], host)).toBe(1)
    expect(err.join('\n')).toContain('sudo byokey service install --system')
    expect(existsSync(dir.join('root', 'etc'))).toBe(false)
  })

  test.skipIf(process.getuid?.() !== 0)(
    'as root: creates the account, installs the config readable by it only, enables the unit',
    async () => {
      using dir = tempDir()
      const tools = fakeTools(dir.path)
      const gid = process.getgid?.() ?? 0
      // no byokey account until useradd ran
      tools.add(
        'getent',
        `if [ -f '${dir.join('added')}' ]; then echo "byokey:x:${gid}:"; exit 0; fi; exit 2`,
      )
      tools.add('useradd', `: > '${dir.join('added')}'`)
      tools.add('systemctl')
      const source = dir.join('mine.yaml')
      writeFileSync(source, 'port: 8080\n')
      const { host, out } = systemHost(dir, 0, tools.bin)
      expect(await serviceCommand(['install', '--system', '-c', source], host)).toBe(0)
      const config = dir.join('root', 'etc', 'byokey', 'config.yaml')
      expect(readFileSync(config, 'utf8')).toBe('port: 8080\n')
      expect(statSync(config).mode & 0o777).toBe(0o640)
      expect(statSync(config).gid).toBe(gid)
      const unit = readFileSync(dir.join('root', 'etc', 'systemd', 'system', 'byokey.service'), 'utf8')
      expect(execOf(unit).argv).toContain('/etc/byokey/config.yaml')
      expect(out).toContain("created the system account 'byokey'")
      expect(tools.calls()).toEqual([
        'getent group byokey',
        'useradd --system --user-group --home-dir /var/lib/byokey --no-create-home --shell /usr/sbin/nologin byokey',
        'getent group byokey',
        'systemctl daemon-reload',
        'systemctl enable byokey.service',
        'systemctl start byokey.service',
      ])
      // a binary under a home folder is hidden from the system service: said at install
      const inHome = systemHost(dir, 0, tools.bin)
      inHome.host.execPath = '/home/alice/.local/bin/byokey'
      expect(await serviceCommand(['install', '--system'], inHome.host)).toBe(0)
      expect(inHome.err.join('\n')).toContain('cannot see home folders')
      expect(inHome.out).toContain(
        `updated ${dir.join('root', 'etc', 'systemd', 'system', 'byokey.service')}`,
      )
      expect(readFileSync(config, 'utf8')).toBe('port: 8080\n')
      // uninstall keeps the config and the data
      expect(await serviceCommand(['uninstall', '--system'], host)).toBe(0)
      expect(existsSync(config)).toBe(true)
      expect(tools.calls().slice(-2)).toEqual([
        'systemctl disable --now byokey.service',
        'systemctl daemon-reload',
      ])
    },
  )
})
