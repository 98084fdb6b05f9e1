#!/usr/bin/env bun
/**
 * Builds the standalone executable: `bun run build` → dist/byokey for this machine;
 * `bun scripts/build.ts --all` → every release target plus a SHA256SUMS file;
 * `--record-order` first re-records the start-up profile the bytecode is laid out by.
 * The binary must not pick up a stray .env or bunfig.toml from the directory it runs in.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { ORDER_FILE, recordOrder } from './bytecode-order.ts'

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

/**
 * JavaScriptCore's tier-up thresholds are multiplied by this until `serve` listens: `status` and
 * other one-shot commands spend ~20 % less CPU than with 1. At 8 a few start-up functions still
 * reached the optimizing JIT (a second JIT worker thread), whose compiler's machine code then
 * stayed resident: at 64 they do not, idle RSS 49.5 → 47.7 MB (`bench.ts --only cold-start`; 1000
 * measured the same, and would leave a long one-shot command such as `migrate` unoptimized longer).
 */
const START_JIT_POLICY = 64

/**
 * Compiles src/main.ts into a standalone executable; true on success. Its bytecode is laid out by
 * the committed start-up profile (`bytecode-order.ts`) unless `ordered` is false.
 */
export async function compile(outfile: string, target?: string, ordered = true): Promise<boolean> {
  const args = [
    'build',
    '--compile',
    '--minify',
    '--sourcemap',
    '--bytecode',
    // ESM chunks, each loaded by the first import() that needs it: a command creates the functions
    // of its own modules only (one script creates every function of the bundle at start)
    '--format=esm',
    '--splitting',
    ...(ordered && existsSync(ORDER_FILE) ? [`--bytecode-order=${ORDER_FILE}`] : []),
    // start-up code runs once: left to the interpreter, not compiled (`serve` resets it once listening)
    `--compile-jit-policy=${START_JIT_POLICY}`,
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    ...(target ? [`--target=${target}`] : []),
    join(root, 'src/main.ts'),
    // the usage writer thread's script, embedded beside the main program (see its WRITER_SCRIPT)
    join(root, 'src/store/sqlite/usage-writer.ts'),
    '--outfile',
    outfile,
  ]
  const proc = Bun.spawn([process.execPath, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  return (await proc.exited) === 0
}

async function main(): Promise<number> {
  mkdirSync(dist, { recursive: true })
  const all = process.argv.includes('--all')
  if (process.argv.includes('--record-order')) {
    const plain = join(dist, 'byokey-unordered')
    if (!(await compile(plain, undefined, false))) return 1
    await recordOrder(plain)
    rmSync(plain, { force: true })
    rmSync(`${plain}.map`, { force: true })
    console.log(`${ORDER_FILE} (${(statSync(ORDER_FILE).size / 1e3).toFixed(0)} kB)`)
  }
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
