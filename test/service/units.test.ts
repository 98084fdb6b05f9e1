/**
 * The service files byokey generates: systemd units that systemd itself accepts, with quoting that
 * survives paths with spaces, `%` and `$`; the launchd plist launchd needs; the Windows directions.
 */
import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { buildSpec, programOf, type ServiceHost, serviceCommand } from '../../src/cli/service.ts'
import {
  LAUNCHD_LABEL,
  launchdPlist,
  type ServiceSpec,
  systemdUnit,
  systemdWord,
} from '../../src/cli/service-units.ts'
import { execOf, parsePlist, systemdWords, unitValues, verifyUnit } from '../helpers/service-files.ts'
import { tempDir } from '../helpers/tmp.ts'

/** A host whose every path is under `dir`, with output collected. */
function hostIn(dir: string, over: Partial<ServiceHost> = {}) {
  const out: string[] = []
  const err: string[] = []
  const host: ServiceHost = {
    platform: 'linux',
    env: { HOME: `${dir}/home`, PATH: '/usr/bin:/bin', BYOKEY_HOME: `${dir}/data` },
    uid: 1000,
    execPath: '/usr/local/bin/byokey',
    script: '/$bunfs/root/byokey',
    root: `${dir}/root`,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    ...over,
  }
  return { host, out, err }
}

/** An executable script at a path with a space, `%` and `$`: systemd-analyze needs ExecStart to exist. */
function awkwardProgram(dir: string): string {
  const folder = `${dir}/my tools 100% $HOME`
  mkdirSync(folder, { recursive: true })
  const file = `${folder}/byokey`
  writeFileSync(file, '#!/bin/sh\nexit 0\n')
  chmodSync(file, 0o755)
  return file
}

function spec(program: string[], over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    program,
    args: ['serve', '-c', '/srv/my configs/config "main".yaml', '-p', '9000'],
    env: { BYOKEY_HOME: '/srv/byokey data', BUN_CONFIG_MAX_HTTP_REQUESTS: '1016' },
    writable: ['/srv/byokey data'],
    workDir: '/srv',
    privilegedPort: false,
    version: '0.0.0-test',
    ...over,
  }
}

describe('systemd quoting', () => {
  test('words that need it are quoted and escaped; specifiers and variables are doubled', () => {
    expect(systemdWord('/usr/bin/byokey')).toBe('/usr/bin/byokey')
    expect(systemdWord('/a b/c')).toBe('"/a b/c"')
    expect(systemdWord('say "hi"\\')).toBe('"say \\"hi\\"\\\\"')
    expect(systemdWord('100%')).toBe('100%%')
    expect(systemdWord('$HOME', true)).toBe('$$HOME')
    expect(systemdWord('$HOME', false)).toBe('$HOME')
    expect(systemdWord('')).toBe('""')
    expect(() => systemdWord('a\nExecStartPre=/bin/evil')).toThrow(/control character/)
  })

  test('every awkward word reads back as itself', () => {
    const words = ['/a $b/c', 'x"y', 'back\\slash', '100%', '$HOME', 'with space', ';', '']
    const line = words.map((w, i) => systemdWord(w, i > 0)).join(' ')
    expect(systemdWords(line, true)).toEqual(words)
  })
})

describe('the program a service runs', () => {
  test('the compiled binary runs alone; bun runs with its script', () => {
    expect(programOf('/usr/local/bin/byokey', '/$bunfs/root/byokey')).toEqual(['/usr/local/bin/byokey'])
    expect(programOf('C:\\byokey\\byokey.exe', 'B:/~BUN/root/byokey.exe')).toEqual(['C:\\byokey\\byokey.exe'])
    expect(programOf('/usr/bin/byokey', undefined)).toEqual(['/usr/bin/byokey'])
    const script = new URL('../../src/main.ts', import.meta.url).pathname
    expect(programOf(process.execPath, script)).toEqual([process.execPath, script])
  })

  test('a Homebrew install names the opt link, which survives upgrades, not the versioned Cellar path', () => {
    using dir = tempDir()
    const cellar = dir.join('Cellar', 'byokey', '1.2.3', 'bin', 'byokey')
    const opt = dir.join('opt', 'byokey', 'bin', 'byokey')
    mkdirSync(dir.join('Cellar', 'byokey', '1.2.3', 'bin'), { recursive: true })
    writeFileSync(cellar, '')
    expect(programOf(cellar, '/$bunfs/root/byokey')).toEqual([cellar])
    mkdirSync(dir.join('opt', 'byokey', 'bin'), { recursive: true })
    writeFileSync(opt, '')
    expect(programOf(cellar, '/$bunfs/root/byokey')).toEqual([opt])
  })
})

describe('systemd units pass systemd-analyze verify', () => {
  for (const scope of ['user', 'system'] as const) {
    test(`${scope} unit, with a program path holding a space, % and $`, async () => {
      using dir = tempDir()
      const program = awkwardProgram(dir.path)
      const unit = systemdUnit(spec([program]), scope)
      expect(await verifyUnit(dir.path, unit, scope)).toBe('')
      const { argv, env } = execOf(unit)
      expect(argv).toEqual([program, 'serve', '-c', '/srv/my configs/config "main".yaml', '-p', '9000'])
      expect(env).toEqual({ BYOKEY_HOME: '/srv/byokey data', BUN_CONFIG_MAX_HTTP_REQUESTS: '1016' })
      expect(systemdWords(unitValues(unit, 'ReadWritePaths')[0]!, false)).toEqual(['/srv/byokey data'])
    })
  }

  test('a broken unit is caught by the same check (the check can fail)', async () => {
    using dir = tempDir()
    const unit = systemdUnit(spec([`${dir.path}/missing/byokey`]), 'system')
    expect(await verifyUnit(dir.path, unit, 'system')).toContain('is not executable')
    const unbalanced = systemdUnit(spec([awkwardProgram(dir.path)]), 'user').replace(
      /^ExecStart=(.*)$/m,
      'ExecStart=$1 "unterminated',
    )
    expect(await verifyUnit(dir.path, unbalanced, 'user')).toContain('Unbalanced quoting')
  })

  test('user and system units: sandbox, restart, reload by SIGHUP, dedicated account and folders', () => {
    const user = systemdUnit(spec(['/usr/bin/byokey']), 'user')
    const system = systemdUnit(spec(['/usr/bin/byokey']), 'system')
    for (const unit of [user, system]) {
      for (const line of [
        'Restart=on-failure',
        'ExecReload=/bin/kill -HUP $MAINPID',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'PrivateTmp=yes',
        'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
      ]) {
        expect(unit.split('\n')).toContain(line)
      }
    }
    expect(unitValues(user, 'ProtectHome')).toEqual(['read-only'])
    expect(unitValues(user, 'User')).toEqual([])
    expect(unitValues(user, 'WantedBy')).toEqual(['default.target'])
    expect(unitValues(system, 'ProtectHome')).toEqual(['yes'])
    expect(unitValues(system, 'User')).toEqual(['byokey'])
    expect(unitValues(system, 'StateDirectory')).toEqual(['byokey'])
    expect(unitValues(system, 'ConfigurationDirectory')).toEqual(['byokey'])
    expect(unitValues(system, 'CapabilityBoundingSet')).toEqual([''])
    expect(unitValues(system, 'WantedBy')).toEqual(['multi-user.target'])
    const port80 = systemdUnit(spec(['/usr/bin/byokey'], { privilegedPort: true }), 'system')
    expect(unitValues(port80, 'AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE'])
  })

  test('the system unit points -c and --db at its configuration and state folders', () => {
    using dir = tempDir()
    const { host } = hostIn(dir.path)
    const { spec: s } = buildSpec(host, { scope: 'system', config: undefined, port: undefined })
    const unit = systemdUnit(s, 'system')
    expect(execOf(unit).argv).toEqual([
      '/usr/local/bin/byokey',
      'serve',
      '-c',
      '/etc/byokey/config.yaml',
      '--db',
      '/var/lib/byokey/byokey.db',
    ])
    expect(unitValues(unit, 'ReadWritePaths')).toEqual(['/var/lib/byokey'])
  })

  test('BUN_CONFIG_MAX_HTTP_REQUESTS is set only when server.max_upstream_requests is over 240', () => {
    using dir = tempDir()
    const { host } = hostIn(dir.path)
    const envFor = (limit: number) => {
      const file = dir.join(`config-${limit}.yaml`)
      writeFileSync(file, `server:\n  max_upstream_requests: ${limit}\n`)
      return buildSpec(host, { scope: 'user', config: file, port: undefined }).spec.env
    }
    expect(envFor(240)['BUN_CONFIG_MAX_HTTP_REQUESTS']).toBeUndefined()
    expect(envFor(241)['BUN_CONFIG_MAX_HTTP_REQUESTS']).toBe('257')
    expect(envFor(1000)['BUN_CONFIG_MAX_HTTP_REQUESTS']).toBe('1016')
  })

  test('a log file outside the data folder is writable too', () => {
    using dir = tempDir()
    const { host } = hostIn(dir.path)
    const file = dir.join('config.yaml')
    writeFileSync(file, 'log:\n  file: logs/byokey.log\n')
    const { spec: s } = buildSpec(host, { scope: 'user', config: file, port: undefined })
    expect(systemdWords(unitValues(systemdUnit(s, 'user'), 'ReadWritePaths')[0]!, false)).toEqual([
      `${dir.path}/data`,
      `${dir.path}/home/logs`,
    ])
  })
})

describe('launchd agent', () => {
  test('is a valid plist with the keys launchd needs, built on Linux for macOS', () => {
    using dir = tempDir()
    const config = dir.join('my config & <more>.yaml')
    writeFileSync(config, 'server:\n  max_upstream_requests: 500\n')
    const { host } = hostIn(dir.path, { platform: 'darwin' })
    const { spec: s } = buildSpec(host, { scope: 'user', config, port: 9000 })
    const plist = parsePlist(launchdPlist(s, `${dir.path}/data/logs`)) as Record<string, unknown>
    expect(plist).toEqual({
      Label: LAUNCHD_LABEL,
      ProgramArguments: ['/usr/local/bin/byokey', 'serve', '-c', config, '-p', '9000'],
      EnvironmentVariables: { BYOKEY_HOME: `${dir.path}/data`, BUN_CONFIG_MAX_HTTP_REQUESTS: '516' },
      WorkingDirectory: `${dir.path}/home`,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ProcessType: 'Background',
      StandardOutPath: `${dir.path}/data/logs/service.log`,
      StandardErrorPath: `${dir.path}/data/logs/service.err.log`,
    })
  })

  test('the strict reader rejects what launchd would (the check can fail)', () => {
    const good = launchdPlist(spec(['/usr/bin/byokey']), '/tmp/logs')
    expect(() => parsePlist(good)).not.toThrow()
    expect(() => parsePlist(good.replace('<string>serve</string>', '<string>a & b</string>'))).toThrow()
    expect(() => parsePlist(good.replace('</array>', ''))).toThrow()
    expect(() => parsePlist(good.replace('<true/>', '<yes/>'))).toThrow()
  })

  test('install writes the agent and bootstraps it into the login session; uninstall boots it out', async () => {
    using dir = tempDir()
    const { fakeTools } = await import('../helpers/fake-tools.ts')
    const tools = fakeTools(dir.path)
    tools.add('launchctl')
    const { host, out } = hostIn(dir.path, {
      platform: 'darwin',
      uid: 501,
      env: { HOME: dir.join('home'), PATH: tools.bin },
    })
    expect(await serviceCommand(['install'], host)).toBe(0)
    const plistPath = dir.join('home', 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`)
    expect(out).toContain(`wrote ${plistPath}`)
    expect(parsePlist(await Bun.file(plistPath).text())).toMatchObject({
      Label: LAUNCHD_LABEL,
      RunAtLoad: true,
    })
    expect(await serviceCommand(['uninstall'], host)).toBe(0)
    expect(await Bun.file(plistPath).exists()).toBe(false)
    expect(tools.calls()).toEqual([
      `launchctl bootout gui/501/${LAUNCHD_LABEL}`,
      `launchctl bootstrap gui/501 ${plistPath}`,
      `launchctl bootout gui/501/${LAUNCHD_LABEL}`,
    ])
  })
})

describe('Windows', () => {
  test('says how to run it as a service there and exits 1, installing nothing', async () => {
    using dir = tempDir()
    const { host, out, err } = hostIn(dir.path, {
      platform: 'win32',
      execPath: 'C:\\Program Files\\byokey\\byokey.exe',
    })
    expect(await serviceCommand(['install'], host)).toBe(1)
    expect(out).toEqual([])
    const text = err.join('\n')
    expect(text).toContain('nothing was installed')
    expect(text).toContain('nssm install byokey "C:\\Program Files\\byokey\\byokey.exe" serve')
    expect(text).toContain('schtasks /Create')
  })
})
