#!/usr/bin/env bun
/**
 * The README's test command: lint, type check, then the whole `bun test` suite.
 * Bun prints no line CI recognises, so this reads the JUnit report and closes with
 * "<N> passed, <M> failed" (a failed lint or type check counts as one failure each).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const extraArgs = process.argv.slice(2)
const onlyTests = extraArgs.length > 0

async function step(label: string, cmd: string[]): Promise<boolean> {
  console.log(`\n== ${label}: ${cmd.map((c) => c.replace(root + '/', '')).join(' ')}`)
  const proc = Bun.spawn(cmd, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  return (await proc.exited) === 0
}

let preFailures = 0
if (!onlyTests) {
  if (!(await step('lint', [bin('biome'), 'check', '.']))) preFailures++
  if (!(await step('typecheck', [bin('tsc'), '--noEmit', '-p', '.']))) preFailures++
}

const out = join(root, 'test-results', 'junit.xml')
mkdirSync(join(root, 'test-results'), { recursive: true }) // bun does not create the folder itself
rmSync(out, { force: true })
const ok = await step('bun test', [
  process.execPath,
  'test',
  // Bun 1.4 reads no test timeout from bunfig.toml: tests that spawn several processes need more
  // than its 5 s default on a loaded machine
  '--timeout=20000',
  '--reporter=junit',
  `--reporter-outfile=${out}`,
  ...extraArgs,
])

let passed = 0
let failed = 0
try {
  const head = readFileSync(out, 'utf8').match(/<testsuites\b[^>]*>/)?.[0] ?? ''
  const n = (k: string) => Number(head.match(new RegExp(`\\b${k}="(\\d+)"`))?.[1] ?? 0)
  failed = n('failures') + n('errors')
  passed = n('tests') - failed - n('skipped')
} catch {
  // no report: a load error before any test ran
}
if (!ok && failed === 0) failed = 1 // an import-time throw is not in the XML
failed += preFailures
console.log(`${passed} passed, ${failed} failed`)
process.exit(ok && preFailures === 0 ? 0 : 1)
