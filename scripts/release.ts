#!/usr/bin/env bun
/**
 * The release folder (`npm run release`, default dist/release/):
 * - `byokey-<version>-<os>-<arch>.tar.gz` (`.zip` for Windows) per target, holding the binary,
 *   README.md and LICENSE;
 * - `SHA256SUMS` of the archives, `install.sh` (from scripts/install.sh) and the Homebrew formula
 *   `byokey.rb` with every URL and sha256 filled in.
 *
 * `--targets linux-x64,darwin-arm64` builds a subset, `--out DIR` writes elsewhere, `--base-url URL`
 * is the folder the formula downloads the archives from (default: this version's release page).
 * Archives are reproducible for the same binaries: fixed file order, owner 0, fixed modes, and the
 * mtime of SOURCE_DATE_EPOCH (else the HEAD commit's time), so a rebuild can be checked byte for byte.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pkg from '../package.json' with { type: 'json' }
import { compile, sha256File, TARGETS } from './build.ts'

const root = join(import.meta.dir, '..')

export const REPOSITORY_URL = 'https://github.com/byokey/byokey'
/** The project's release page; install.sh carries the same value (a test keeps them equal). */
export const RELEASES_URL = `${REPOSITORY_URL}/releases`

export interface Platform {
  /** `linux-x64`, as `--targets` and the archive names spell it. */
  name: string
  os: 'linux' | 'darwin' | 'windows'
  arch: 'x64' | 'arm64'
  /** Bun's `--target`. */
  target: string
}

export const PLATFORMS: readonly Platform[] = TARGETS.map(({ target }) => {
  const [, os, arch] = target.split('-') as [string, Platform['os'], Platform['arch']]
  return { name: `${os}-${arch}`, os, arch, target }
})

export interface Archive {
  platform: Platform
  /** File name inside the release folder. */
  name: string
  sha256: string
}

export function archiveName(version: string, p: Platform): string {
  return `byokey-${version}-${p.name}.${p.os === 'windows' ? 'zip' : 'tar.gz'}`
}

/** The binary's name inside an archive. */
export function binaryName(p: Platform): string {
  return p.os === 'windows' ? 'byokey.exe' : 'byokey'
}

/** SOURCE_DATE_EPOCH, else the HEAD commit's time, else now (seconds). */
export function sourceDateEpoch(env: Record<string, string | undefined> = process.env): number {
  const fromEnv = env['SOURCE_DATE_EPOCH']
  if (fromEnv && /^\d+$/.test(fromEnv)) return Number(fromEnv)
  const git = Bun.spawnSync(['git', 'log', '-1', '--format=%ct'], { cwd: root, stderr: 'ignore' })
  const fromGit = git.stdout.toString().trim()
  if (git.exitCode === 0 && /^\d+$/.test(fromGit)) return Number(fromGit)
  return Math.floor(Date.now() / 1000)
}

/** Copies README.md and LICENSE beside the binary in `dir`; fixes every file's mode and mtime. */
export function stageDocs(dir: string, binary: string, epoch: number): string[] {
  const files = [binary, 'README.md', 'LICENSE']
  for (const doc of files.slice(1)) copyFileSync(join(root, doc), join(dir, doc))
  for (const f of files) {
    chmodSync(join(dir, f), f === binary ? 0o755 : 0o644)
    utimesSync(join(dir, f), epoch, epoch)
  }
  return files
}

/** Runs `cmd` in `cwd` and returns its stdout; a non-zero exit throws with its stderr. */
async function run(
  cmd: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
  ])
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}: ${stderr.trim()}`)
  return new Uint8Array(stdout)
}

/** `tar` options that store owner 0 and no extended headers, for GNU tar or bsdtar (macOS). */
function tarOwnerOptions(): string[] {
  const gnu = Bun.spawnSync(['tar', '--version']).stdout.toString().includes('GNU tar')
  return gnu
    ? ['--format=ustar', '--owner=0', '--group=0', '--numeric-owner']
    : ['--format', 'ustar', '--uid', '0', '--gid', '0', '--numeric-owner']
}

/** `files` of `dir` (in that order) as a gzip'd ustar archive at `out`. */
export async function packTarGz(dir: string, files: string[], out: string): Promise<void> {
  const tar = await run(['tar', '--create', ...tarOwnerOptions(), '-f', '-', ...files], dir)
  // zlib's gzip header has mtime 0 and no file name, unlike `gzip` without -n
  writeFileSync(out, Bun.gzipSync(tar, { level: 9 }))
}

/** `files` of `dir` (in that order) as a zip at `out`; zip stores local time, hence TZ=UTC. */
export async function packZip(dir: string, files: string[], out: string): Promise<void> {
  rmSync(out, { force: true }) // zip adds to an existing archive
  await run(['zip', '-q', '-X', '-D', '-9', out, ...files], dir, { TZ: 'UTC' })
}

/** Ruby string content we allow in the formula: no quote, backslash or `#{` interpolation. */
const SAFE_URL = /^https?:\/\/[^\s"\\#]+$/

function assertSafeUrl(url: string): void {
  if (!SAFE_URL.test(url))
    throw new Error(`--base-url must be an http(s) URL without quotes or '#' (got '${url}')`)
}

/** The Homebrew formula for the macOS and Linux archives. */
export function renderFormula(version: string, baseUrl: string, archives: readonly Archive[]): string {
  assertSafeUrl(baseUrl)
  const block = (os: Platform['os'], rubyOs: string) => {
    const inner = archives
      .filter((a) => a.platform.os === os)
      .map(
        (a) =>
          `    ${a.platform.arch === 'arm64' ? 'on_arm' : 'on_intel'} do\n` +
          `      url "${baseUrl}/${a.name}"\n` +
          `      sha256 "${a.sha256}"\n` +
          `    end\n`,
      )
    return inner.length === 0 ? '' : `  ${rubyOs} do\n${inner.join('')}  end\n\n`
  }
  return `# Generated by scripts/release.ts for byokey ${version}: regenerate it, do not edit it.
class Byokey < Formula
  desc "Gateway serving your AI subscriptions and API keys as OpenAI-compatible APIs"
  homepage "${REPOSITORY_URL}"
  version "${version}"
  license "MIT"

${block('darwin', 'on_macos')}${block('linux', 'on_linux')}  def install
    bin.install "byokey"
  end

  service do
    run [opt_bin/"byokey", "serve"]
    keep_alive true
    working_dir var
    log_path var/"log/byokey.log"
    error_log_path var/"log/byokey.log"
  end

  test do
    assert_equal version.to_s, shell_output("#{bin}/byokey --version").strip
  end
end
`
}

/** `<sha256>  <name>` lines, sorted by name, as `sha256sum -c` reads them. */
export function sha256Sums(archives: readonly Archive[]): string {
  const lines = [...archives]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => `${a.sha256}  ${a.name}`)
  return `${lines.join('\n')}\n`
}

function selectPlatforms(list: string | undefined): Platform[] {
  if (list === undefined) return [...PLATFORMS]
  return list.split(',').map((name) => {
    const p = PLATFORMS.find((q) => q.name === name.trim())
    if (!p)
      throw new Error(`unknown target '${name}': choose from ${PLATFORMS.map((q) => q.name).join(', ')}`)
    return p
  })
}

const USAGE = `usage: bun scripts/release.ts [--targets ${PLATFORMS.map((p) => p.name).join(',')}] [--out DIR] [--base-url URL]`

async function main(argv: string[]): Promise<number> {
  let values: { targets?: string; out?: string; 'base-url'?: string; help?: boolean }
  let platforms: Platform[]
  let baseUrl: string
  const version = pkg.version
  try {
    values = parseArgs({
      args: argv,
      options: {
        targets: { type: 'string' },
        out: { type: 'string' },
        'base-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
    platforms = selectPlatforms(values.targets)
    baseUrl = (values['base-url'] ?? `${RELEASES_URL}/download/v${version}`).replace(/\/+$/, '')
    assertSafeUrl(baseUrl)
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const out = resolve(values.out ?? join(root, 'dist', 'release'))
  mkdirSync(out, { recursive: true })
  const epoch = sourceDateEpoch()
  const work = mkdtempSync(join(tmpdir(), 'byokey-release-'))
  const archives: Archive[] = []
  const failed: string[] = []
  try {
    for (const p of platforms) {
      const stage = join(work, p.name)
      mkdirSync(stage)
      const binary = binaryName(p)
      if (!(await compile(join(stage, binary), p.target))) {
        failed.push(p.name)
        console.error(`${p.name}: build failed (cross-compiling fetches the target's Bun runtime from npm)`)
        continue
      }
      const files = stageDocs(stage, binary, epoch)
      const name = archiveName(version, p)
      const file = join(out, name)
      await (p.os === 'windows' ? packZip : packTarGz)(stage, files, file)
      archives.push({ platform: p, name, sha256: sha256File(file) })
      console.log(`${file}`)
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  writeFileSync(join(out, 'SHA256SUMS'), sha256Sums(archives))
  copyFileSync(join(root, 'scripts', 'install.sh'), join(out, 'install.sh'))
  chmodSync(join(out, 'install.sh'), 0o755)
  writeFileSync(join(out, 'byokey.rb'), renderFormula(version, baseUrl, archives))
  console.log(`${out}: ${archives.length} of ${platforms.length} archives, SHA256SUMS, install.sh, byokey.rb`)
  if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`)
  return failed.length > 0 ? 1 : 0
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)))
