/**
 * The pieces of scripts/release.ts that need no compiler: reproducible archives, the formula and
 * SHA256SUMS text, and the command line. The full run against a real binary is install.test.ts.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Archive,
  archiveName,
  PLATFORMS,
  packTarGz,
  packZip,
  renderFormula,
  sha256Sums,
  stageDocs,
} from '../../scripts/release.ts'
import { runCli } from '../helpers/process.ts'
import { type TempDir, tempDir } from '../helpers/tmp.ts'

const RELEASE_SCRIPT = [process.execPath, join(import.meta.dir, '..', '..', 'scripts', 'release.ts')]
const platform = (name: string) => PLATFORMS.find((p) => p.name === name)!

/** A folder with a fake binary (mtime `before`), staged as a release does. */
function staged(dir: TempDir, binary: string, before: number): string[] {
  writeFileSync(dir.join(binary), '#!/bin/sh\necho fake\n')
  utimesSync(dir.join(binary), before, before)
  const files = stageDocs(dir.path, binary, 1_700_000_000)
  expect(files).toEqual([binary, 'README.md', 'LICENSE'])
  return files
}

describe('release archives', () => {
  test('the five targets and their archive names', () => {
    expect(PLATFORMS.map((p) => archiveName('1.2.3', p))).toEqual([
      'byokey-1.2.3-linux-x64.tar.gz',
      'byokey-1.2.3-linux-arm64.tar.gz',
      'byokey-1.2.3-darwin-x64.tar.gz',
      'byokey-1.2.3-darwin-arm64.tar.gz',
      'byokey-1.2.3-windows-x64.zip',
    ])
  })

  test('a tar.gz holds the binary (0755), README and LICENSE (0644), owner 0, and is the same bytes twice', async () => {
    using a = tempDir()
    using b = tempDir()
    using out = tempDir()
    // binaries built at different times give the same archive
    const files = staged(a, 'byokey', 1_000)
    staged(b, 'byokey', 2_000_000_000)
    await packTarGz(a.path, files, out.join('a.tar.gz'))
    await packTarGz(b.path, files, out.join('b.tar.gz'))
    expect(readFileSync(out.join('a.tar.gz')).equals(readFileSync(out.join('b.tar.gz')))).toBe(true)
    const list = Bun.spawnSync(['tar', '-tvzf', out.join('a.tar.gz')])
      .stdout.toString()
      .trim()
      .split('\n')
    expect(list.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      '-rwxr-xr-x 0/0',
      '-rw-r--r-- 0/0',
      '-rw-r--r-- 0/0',
    ])
    expect(list.map((l) => l.split(/\s+/).at(-1))).toEqual(['byokey', 'README.md', 'LICENSE'])
  })

  test('a zip holds byokey.exe, README and LICENSE and is the same bytes twice, whatever the time zone', async () => {
    using a = tempDir()
    using out = tempDir()
    const files = staged(a, 'byokey.exe', 1_000)
    await packZip(a.path, files, out.join('a.zip'))
    const before = readFileSync(out.join('a.zip'))
    // zip stores local time: a second run in another zone and over the old file must match
    const tz = process.env['TZ']
    process.env['TZ'] = 'Asia/Tokyo'
    try {
      await packZip(a.path, files, out.join('a.zip'))
    } finally {
      if (tz === undefined) delete process.env['TZ']
      else process.env['TZ'] = tz
    }
    expect(readFileSync(out.join('a.zip')).equals(before)).toBe(true)
    const names = Bun.spawnSync(['unzip', '-Z1', out.join('a.zip')])
      .stdout.toString()
      .trim()
      .split('\n')
    expect(names).toEqual(['byokey.exe', 'README.md', 'LICENSE'])
  })
})

describe('release texts', () => {
  const archives: Archive[] = [
    { platform: platform('linux-x64'), name: 'byokey-1.2.3-linux-x64.tar.gz', sha256: 'a'.repeat(64) },
    { platform: platform('darwin-arm64'), name: 'byokey-1.2.3-darwin-arm64.tar.gz', sha256: 'b'.repeat(64) },
    { platform: platform('darwin-x64'), name: 'byokey-1.2.3-darwin-x64.tar.gz', sha256: 'c'.repeat(64) },
    { platform: platform('windows-x64'), name: 'byokey-1.2.3-windows-x64.zip', sha256: 'd'.repeat(64) },
  ]

  test('SHA256SUMS lists every archive by name, in the format sha256sum -c reads', () => {
    expect(sha256Sums(archives)).toBe(
      [
        `${'b'.repeat(64)}  byokey-1.2.3-darwin-arm64.tar.gz`,
        `${'c'.repeat(64)}  byokey-1.2.3-darwin-x64.tar.gz`,
        `${'a'.repeat(64)}  byokey-1.2.3-linux-x64.tar.gz`,
        `${'d'.repeat(64)}  byokey-1.2.3-windows-x64.zip`,
        '',
      ].join('\n'),
    )
  })

  test('the formula has one url+sha256 per macOS/Linux archive under the right on_* blocks and is valid Ruby', () => {
    using dir = tempDir()
    const rb = renderFormula('1.2.3', 'https://example.test/dl', archives)
    expect(rb).toContain('version "1.2.3"')
    expect(rb).toContain(
      '  on_macos do\n    on_arm do\n      url "https://example.test/dl/byokey-1.2.3-darwin-arm64.tar.gz"\n' +
        `      sha256 "${'b'.repeat(64)}"\n    end\n    on_intel do\n`,
    )
    expect(rb).toContain(
      '  on_linux do\n    on_intel do\n      url "https://example.test/dl/byokey-1.2.3-linux-x64.tar.gz"\n',
    )
    expect(rb).not.toContain('windows')
    expect(rb).toMatch(/service do\n {4}run \[opt_bin\/"byokey", "serve"\]\n {4}keep_alive true\n/)
    expect(rb).toContain('log_path var/"log/byokey.log"')
    expect(rb).toContain('shell_output("#{bin}/byokey --version")')
    writeFileSync(dir.join('byokey.rb'), rb)
    const check = Bun.spawnSync(['ruby', '-c', dir.join('byokey.rb')])
    expect(check.stdout.toString().trim()).toBe('Syntax OK')
  })

  test('a base URL that could break out of the Ruby string is refused', () => {
    expect(() => renderFormula('1.2.3', 'https://x.test/#{system("id")}', archives)).toThrow('--base-url')
    expect(() => renderFormula('1.2.3', 'https://x.test/"', archives)).toThrow('--base-url')
  })
})

describe('release command line', () => {
  test('an unknown target is a usage error naming the known ones, before anything is built', async () => {
    using out = tempDir()
    const r = await runCli(['--targets', 'linux-x64,solaris-sparc', '--out', out.path], {}, RELEASE_SCRIPT)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown target 'solaris-sparc'")
    expect(r.stderr).toContain('linux-x64, linux-arm64, darwin-x64, darwin-arm64, windows-x64')
    expect(Bun.spawnSync(['ls', '-A', out.path]).stdout.toString()).toBe('')
  })

  test('a bad --base-url is a usage error', async () => {
    const r = await runCli(['--base-url', 'ftp://x.test'], {}, RELEASE_SCRIPT)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--base-url must be an http(s) URL')
  })
})
