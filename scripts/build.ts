#!/usr/bin/env bun
/**
 * Builds the standalone executable: `bun run build` → dist/byokey for this machine;
 * `bun scripts/build.ts --all` → every release target plus a SHA256SUMS file.
 * The binary must not pick up a stray .env or bunfig.toml from the directory it runs in.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'

const root = join(import.meta.dir, '..')
const dist = join(root, 'dist')

/** Every release target: Bun's `--target` and the file name `--all` writes into dist/. */
export const TARGETS = [
  { target: 'bun-linux-x64', out: 'byokey-linux-x64' },
  { target: 'bun-linux-arm64', out: 'byokey-linux-arm64' },
  { target: 'bun-darwin-x64', out: 'byokey-darwin-x64' },
  { target: 'bun-darwin-arm64', out: 'byokey-darwin-arm64' },
  { target: 'bun-windows-x64', out: 'byokey-windows-x64.exe' },
] as const

/** Hex SHA-256 of a file, as SHA256SUMS lists it. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** Compiles src/main.ts into a standalone executable; true on success. */
export async function compile(outfile: string, target?: string): Promise<boolean> {
  const args = [
    'build',
    '--compile',
    '--minify',
    '--sourcemap',
    '--bytecode',
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    ...(target ? [`--target=${target}`] : []),
    join(root, 'src/main.ts'),
    '--outfile',
    outfile,
  ]
  const proc = Bun.spawn([process.execPath, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  return (await proc.exited) === 0
}

async function main(): Promise<number> {
  mkdirSync(dist, { recursive: true })
  const all = process.argv.includes('--all')
  if (!all) {
    const out = join(dist, 'byokey')
    if (!(await compile(out))) return 1
    console.log(`${out} (${(statSync(out).size / 1e6).toFixed(1)} MB)`)
    return 0
  }

  const sums: string[] = []
  let failed = 0
  for (const t of TARGETS) {
    const out = join(dist, t.out)
    if (await compile(out, t.target)) {
      sums.push(`${sha256File(out)}  ${basename(out)}`)
      console.log(`${t.target}: ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB)`)
    } else {
      failed++
      console.error(
        `${t.target}: build failed (cross-compiling fetches the target's Bun runtime from the npm registry)`,
      )
    }
  }
  writeFileSync(join(dist, 'SHA256SUMS'), `${sums.join('\n')}\n`)
  console.log(`${join(dist, 'SHA256SUMS')}: ${sums.length} of ${TARGETS.length} targets`)
  return failed > 0 ? 1 : 0
}

if (import.meta.main) process.exit(await main())
