/**
 * A release as its users get it: `release.ts` builds the linux-x64 archive (one compile, ~10 s),
 * a local HTTP server on 127.0.0.1 serves the release folder, `install.sh` (run by dash, the
 * strictest POSIX shell at hand, and by bash) installs from it into a temp prefix, and the
 * installed binary then serves a real request. Also: a damaged archive is refused, the platform
 * detection and its errors, and the Homebrew formula's sha256 values.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import { sha256File } from '../../scripts/build.ts'
import { RELEASES_URL, REPOSITORY_URL } from '../../scripts/release.ts'
import { daemonIn } from '../helpers/daemon.ts'
import { fakeTools } from '../helpers/fake-tools.ts'
import { fakeOpenAI, startFake } from '../helpers/fakes/index.ts'
import { ROOT, runCli } from '../helpers/process.ts'
import { execOf } from '../helpers/service-files.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const VERSION = pkg.version
const ARCHIVE = `byokey-${VERSION}-linux-x64.tar.gz`
/** Every folder the file shares between tests lives in here, removed once at the end. */
const work = tempDir('byokey-install-test-')
function folder(name: string): TempDir {
  const path = work.join(name)
  mkdirSync(path)
  return { path, join: (...parts) => join(path, ...parts), [Symbol.dispose]: () => {} }
}
const release = folder('release')
const installSh = release.join('install.sh')

/**
 * The release folder over HTTP: `/good/<file>` as built, `/bad/<file>` with one byte of every
 * archive flipped (what a broken mirror or a tampering proxy would hand out).
 */
const mirror = startFake(async (req) => {
  const m = new URL(req.url).pathname.match(/^\/(good|bad)\/([\w.-]+)$/)
  const file = m ? Bun.file(release.join(m[2]!)) : undefined
  if (!m || !file || !(await file.exists())) return new Response('not found', { status: 404 })
  if (m[1] === 'good' || !m[2]!.endsWith('.tar.gz')) return new Response(file)
  const bytes = new Uint8Array(await file.arrayBuffer())
  bytes[bytes.length >> 1]! ^= 0xff
  return new Response(bytes)
})

/** Runs install.sh with `shell` (found on the test's PATH, not the one in `env`) against the local mirror. */
function install(args: string[], env: Record<string, string>, shell = 'dash') {
  return runCli(args, { BYOKEY_DOWNLOAD_URL: `${mirror.url}/good`, ...env }, [Bun.which(shell)!, installSh])
}

beforeAll(async () => {
  const r = await runCli(['--targets', 'linux-x64', '--out', release.path], {}, [
    process.execPath,
    join(ROOT, 'scripts', 'release.ts'),
  ])
  expect(r.stderr).not.toContain('build failed')
  expect(r.code).toBe(0)
  expect(readdirSync(release.path).sort()).toEqual(['SHA256SUMS', ARCHIVE, 'byokey.rb', 'install.sh'])
}, 120_000)

afterAll(async () => {
  await mirror.stop()
  work[Symbol.dispose]()
})

describe('install.sh against a local release folder', () => {
  const home = folder('home')
  const prefix = home.join('opt')
  const bin = join(prefix, 'bin', 'byokey')

  test('installs the verified linux-x64 binary into PREFIX/bin and says the folder is not on PATH', async () => {
    const before = mirror.requests.length
    const r = await install(['--prefix', prefix], { HOME: home.path })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`byokey ${VERSION} installed to ${bin}\n`)
    expect(r.stdout).toContain(`note: ${join(prefix, 'bin')} is not on your PATH`)
    expect(r.stdout).toContain(`export PATH="${join(prefix, 'bin')}:$PATH"`)
    expect(statSync(bin).mode & 0o777).toBe(0o755)
    expect(readdirSync(join(prefix, 'bin'))).toEqual(['byokey'])
    expect(mirror.requests.slice(before).map((q) => q.path)).toEqual(['/good/SHA256SUMS', `/good/${ARCHIVE}`])
  })

  test('the installed binary answers --version and serves a request through a fake upstream', async () => {
    expect(existsSync(bin)).toBe(true)
    const v = await runCli(['--version'], { HOME: home.path }, [bin])
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toBe(VERSION)

    using state = tempDir()
    await using up = fakeOpenAI({ text: 'hello from upstream', usage: { input: 5, output: 2 } })
    const config = state.join('config.yaml')
    writeFileSync(
      config,
      `port: 0\nmodel_lists: { enabled: false }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    const env = { HOME: state.path, BYOKEY_HOME: state.path }
    await using daemon = daemonIn(state, [bin])
    const started = await daemon.run('start', '-c', config)
    expect(started.code).toBe(0)
    const { pid, url } = daemon.readPid()
    expect(started.stdout).toContain(url)
    // a second start refuses while the first runs
    expect((await daemon.run('start', '-c', config)).code).toBe(1)
    const status = await runCli(['status', '--json'], env, [bin])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ server: { running: true, pid, url } })
    const stopServer = async () => {
      expect((await daemon.run('stop')).code).toBe(0)
      expect(existsSync(daemon.pidFile)).toBe(false)
    }

    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { choices: { message: { content: string } }[] }
    expect(body.choices[0]!.message.content).toBe('hello from upstream')
    expect(up.requests).toHaveLength(1)
    await stopServer()
    expect(
      await fetch(`${url}/healthz`).then(
        () => 'open',
        () => 'closed',
      ),
    ).toBe('closed')
  })

  test('bash runs it the same; a prefix already on PATH gets no note; --version picks that exact archive', async () => {
    using other = tempDir()
    const binDir = other.join('bin')
    const r = await install(
      ['--prefix', other.path, '--version', `v${VERSION}`],
      { HOME: home.path, PATH: `${binDir}:${process.env['PATH']}` },
      'bash',
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`byokey ${VERSION} installed to ${join(binDir, 'byokey')}\n`)
  })

  test('--service installs and starts the user service running the installed binary', async () => {
    using h = tempDir()
    const tools = fakeTools(h.path)
    tools.add('systemctl')
    const r = await install(['--prefix', h.join('opt'), '--service'], {
      HOME: h.join('home'),
      XDG_CONFIG_HOME: h.join('home', '.config'),
      BYOKEY_HOME: h.join('byokey'),
      USER: 'alice',
      PATH: `${tools.bin}:${process.env['PATH']}`,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const unit = readFileSync(h.join('home', '.config', 'systemd', 'user', 'byokey.service'), 'utf8')
    expect(execOf(unit).argv).toEqual([h.join('opt', 'bin', 'byokey'), 'serve'])
    expect(tools.calls()).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable byokey.service',
      'systemctl --user start byokey.service',
    ])
  })

  test('without --prefix it installs into ~/.local/bin', async () => {
    using h = tempDir()
    const r = await install([], { HOME: h.path })
    expect(r.code).toBe(0)
    expect(statSync(h.join('.local', 'bin', 'byokey')).isFile()).toBe(true)
  })
})

describe('install.sh refuses', () => {
  test('a damaged archive: one line naming the checksum mismatch, and nothing installed', async () => {
    using h = tempDir()
    const prefix = h.join('opt')
    const r = await install(['--prefix', prefix], { HOME: h.path, BYOKEY_DOWNLOAD_URL: `${mirror.url}/bad` })
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(
      new RegExp(
        `^byokey install: checksum mismatch for ${ARCHIVE.replaceAll('.', '\\.')} \\(expected [0-9a-f]{64}, got [0-9a-f]{64}\\): .*nothing was installed.*\\n$`,
      ),
    )
    expect(existsSync(prefix)).toBe(false)
    expect(readdirSync(h.path)).toEqual([])
  })

  test('a version the release does not have', async () => {
    using h = tempDir()
    const r = await install(['--prefix', h.join('opt'), '--version', '9.9.9'], { HOME: h.path })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `byokey install: no byokey 9.9.9 build for linux-x64 in ${mirror.url}/good/SHA256SUMS: check the version, or download it by hand from ${RELEASES_URL}\n`,
    )
  })

  test('no network: one line saying the server cannot be reached', async () => {
    const gone = startFake(() => new Response('unused'))
    const url = `${gone.url}/good`
    await gone.stop()
    using h = tempDir()
    const r = await install(['--prefix', h.join('opt')], { HOME: h.path, BYOKEY_DOWNLOAD_URL: url })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `byokey install: cannot reach ${url}/SHA256SUMS (curl error 7): check your network connection or proxy settings and try again\n`,
    )
    expect(existsSync(h.join('opt'))).toBe(false)
  })

  test('a missing file on the server is an HTTP error, not a network one', async () => {
    using h = tempDir()
    const url = `${mirror.url}/nowhere`
    const r = await install(['--prefix', h.join('opt')], { HOME: h.path, BYOKEY_DOWNLOAD_URL: url })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `byokey install: the server refused ${url}/SHA256SUMS (HTTP error): check the version or BYOKEY_DOWNLOAD_URL\n`,
    )
  })
})

describe('install.sh with wget and no curl', () => {
  // Only the tools install.sh calls, so `command -v curl` finds nothing.
  const tools = folder('tools')
  for (const t of 'uname ls mktemp rm awk cut tar gzip mkdir dirname id cp chmod mv sha256sum wget'.split(
    ' ',
  )) {
    symlinkSync(Bun.which(t)!, tools.join(t))
  }

  test('installs the same way, and a closed port is a network error', async () => {
    using h = tempDir()
    const ok = await install(['--prefix', h.path], { HOME: h.path, PATH: tools.path })
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain(`byokey ${VERSION} installed to ${h.join('bin', 'byokey')}\n`)

    const gone = startFake(() => new Response('unused'))
    await gone.stop()
    const r = await install(['--prefix', h.join('other')], {
      HOME: h.path,
      PATH: tools.path,
      BYOKEY_DOWNLOAD_URL: gone.url,
    })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(
      `byokey install: cannot reach ${gone.url}/SHA256SUMS (network failure): check your network connection or proxy settings and try again\n`,
    )
  })
})

describe('install.sh platform detection (uname and sysctl replaced on PATH)', () => {
  const shims = folder('shims')
  writeFileSync(
    shims.join('uname'),
    '#!/bin/sh\ncase "$1" in -s) echo "$FAKE_OS" ;; -m) echo "$FAKE_CPU" ;; esac\n',
  )
  writeFileSync(shims.join('sysctl'), '#!/bin/sh\necho "$FAKE_TRANSLATED"\n')
  chmodSync(shims.join('uname'), 0o755)
  chmodSync(shims.join('sysctl'), 0o755)

  async function detect(os: string, cpu: string, translated = '0') {
    using h = tempDir()
    const r = await install(['--prefix', h.join('opt')], {
      HOME: h.path,
      PATH: `${shims.path}:${process.env['PATH']}`,
      FAKE_OS: os,
      FAKE_CPU: cpu,
      FAKE_TRANSLATED: translated,
    })
    expect(r.code).not.toBe(0)
    expect(existsSync(h.join('opt'))).toBe(false)
    return r.stderr
  }
  const noBuild = (platform: string) =>
    `byokey install: no byokey build for ${platform} in ${mirror.url}/good/SHA256SUMS: see ${RELEASES_URL} for the platforms there are\n`

  test('Linux aarch64 and Darwin arm64 map to the arm64 builds', async () => {
    expect(await detect('Linux', 'aarch64')).toBe(noBuild('linux-arm64'))
    expect(await detect('Darwin', 'arm64')).toBe(noBuild('darwin-arm64'))
  })

  test('a shell under Rosetta on Apple silicon gets the native arm64 build, a real Intel Mac x64', async () => {
    expect(await detect('Darwin', 'x86_64', '1')).toBe(noBuild('darwin-arm64'))
    expect(await detect('Darwin', 'x86_64', '')).toBe(noBuild('darwin-x64'))
  })

  describe('on macOS (a fake darwin-arm64 release; codesign replaced on PATH)', () => {
    const fake = folder('fake-darwin')
    const name = 'byokey-0.0.1-darwin-arm64.tar.gz'
    mkdirSync(fake.join('x'))
    // stands in for the binary: answers --version, or fails like a binary macOS refuses to run
    writeFileSync(fake.join('x', 'byokey'), '#!/bin/sh\n[ -n "$FAKE_BROKEN" ] && exit 1\necho 0.0.1-fake\n')
    chmodSync(fake.join('x', 'byokey'), 0o755)
    Bun.spawnSync(['tar', '-czf', fake.join(name), '-C', fake.join('x'), 'byokey'])
    writeFileSync(fake.join('SHA256SUMS'), `${sha256File(fake.join(name))}  ${name}\n`)
    writeFileSync(
      shims.join('codesign'),
      '#!/bin/sh\necho "$*" >> "$CODESIGN_LOG"\n[ "$1" = --verify ] && exit "$FAKE_VERIFY"\nexit 0\n',
    )
    chmodSync(shims.join('codesign'), 0o755)
    const server = startFake(async (req) => {
      const file = Bun.file(fake.join(new URL(req.url).pathname.slice(1)))
      return (await file.exists()) ? new Response(file) : new Response('not found', { status: 404 })
    })
    afterAll(() => server.stop())

    async function installOnMac(env: Record<string, string>) {
      using h = tempDir()
      const r = await install(['--prefix', h.join('opt')], {
        HOME: h.path,
        PATH: `${shims.path}:${process.env['PATH']}`,
        BYOKEY_DOWNLOAD_URL: server.url,
        FAKE_OS: 'Darwin',
        FAKE_CPU: 'arm64',
        CODESIGN_LOG: h.join('codesign.log'),
        FAKE_VERIFY: '0',
        ...env,
      })
      const log = existsSync(h.join('codesign.log')) ? readFileSync(h.join('codesign.log'), 'utf8') : ''
      return { ...r, log, installed: existsSync(h.join('opt', 'bin', 'byokey')) }
    }

    test('a binary whose signature does not verify is re-signed ad hoc before it is installed', async () => {
      const r = await installOnMac({ FAKE_VERIFY: '1' })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toStartWith('byokey 0.0.1-fake installed to ')
      const calls = r.log.trim().split('\n')
      expect(calls.map((l) => l.split(' ')[0])).toEqual(['--verify', '--remove-signature', '--force'])
      expect(calls[2]).toStartWith('--force --sign - ')
      expect(r.installed).toBe(true)
    })

    test('a valid signature is left alone', async () => {
      const r = await installOnMac({})
      expect(r.code).toBe(0)
      expect(
        r.log
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[0]),
      ).toEqual(['--verify'])
    })

    test('a binary that does not run here is not installed', async () => {
      const r = await installOnMac({ FAKE_BROKEN: '1' })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toBe(
        `byokey install: the byokey binary in ${name} does not run on this machine (darwin-arm64), nothing was installed: report this at ${REPOSITORY_URL}/issues\n`,
      )
      expect(r.installed).toBe(false)
    })
  })

  test('an unsupported OS or CPU is named, with what to do', async () => {
    expect(await detect('FreeBSD', 'amd64')).toBe(
      `byokey install: unsupported operating system 'FreeBSD': byokey is built for Linux, macOS and Windows; build it from source with Bun (see ${REPOSITORY_URL})\n`,
    )
    expect(await detect('Linux', 'riscv64')).toBe(
      "byokey install: unsupported CPU 'riscv64' on linux: byokey is built for x64 and arm64\n",
    )
    expect(await detect('MINGW64_NT-10.0', 'x86_64')).toContain(
      `download byokey-<version>-windows-x64.zip from ${RELEASES_URL}`,
    )
  })
})

describe('release folder', () => {
  test('install.sh passes shellcheck as POSIX sh', () => {
    const r = Bun.spawnSync(['shellcheck', '--shell=sh', join(ROOT, 'scripts', 'install.sh')])
    expect(r.stdout.toString()).toBe('')
    expect(r.exitCode).toBe(0)
  })

  test('install.sh is the one in scripts/ and points at the same release page as release.ts', () => {
    const text = readFileSync(installSh, 'utf8')
    expect(text).toBe(readFileSync(join(ROOT, 'scripts', 'install.sh'), 'utf8'))
    expect(statSync(installSh).mode & 0o111).not.toBe(0)
    expect(text).toContain(`\nREPOSITORY_URL="${REPOSITORY_URL}"\nRELEASES_URL="$REPOSITORY_URL/releases"\n`)
    expect(RELEASES_URL).toBe(`${REPOSITORY_URL}/releases`)
  })

  test('SHA256SUMS and the formula carry the sha256 of the archive; the formula passes ruby -c', () => {
    const actual = sha256File(release.join(ARCHIVE))
    expect(readFileSync(release.join('SHA256SUMS'), 'utf8')).toBe(`${actual}  ${ARCHIVE}\n`)
    const rb = readFileSync(release.join('byokey.rb'), 'utf8')
    const pairs = [...rb.matchAll(/url "([^"]+)"\n\s+sha256 "([0-9a-f]{64})"/g)].map((m) => [m[1], m[2]])
    expect(pairs).toEqual([[`${RELEASES_URL}/download/v${VERSION}/${ARCHIVE}`, actual]])
    expect(rb).toContain(`version "${VERSION}"`)
    const check = Bun.spawnSync(['ruby', '-c', release.join('byokey.rb')])
    expect(check.stdout.toString().trim()).toBe('Syntax OK')
  })
})
