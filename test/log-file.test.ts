/** The log file: private, rotated by size into `<file>.1` … `<file>.<keep>`, every file 0600 and redacted. */
import { expect, test } from 'bun:test'
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createLogger, openLogFile } from '../src/log.ts'
import { tempDir } from './helpers/tmp.ts'

const SECRET = 'sk-rotation-secret-0123456789'

function modeOf(path: string): number {
  return statSync(path).mode & 0o777
}

test('a log file rotates by size, keeps `keep` old files, all 0600, secrets redacted in each', async () => {
  using dir = tempDir()
  const file = dir.join('logs', 'byokey.log')
  const out = openLogFile(file, { maxBytes: 2000, daily: false, keep: 3 })
  const log = createLogger({ level: 'info', stream: out.stream })
  for (let i = 0; i < 200; i++) log.info({ i, api_key: SECRET }, `line ${i} ${'x'.repeat(100)}`)
  await out.close()

  expect(readdirSync(dir.join('logs')).sort()).toEqual([
    'byokey.log',
    'byokey.log.1',
    'byokey.log.2',
    'byokey.log.3',
  ])
  const seen: number[] = []
  for (const name of ['byokey.log.3', 'byokey.log.2', 'byokey.log.1', 'byokey.log']) {
    const path = dir.join('logs', name)
    expect({ name, mode: modeOf(path) }).toEqual({ name, mode: 0o600 })
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain(SECRET)
    expect(statSync(path).size).toBeLessThan(2000 + 400)
    // whole lines only, never one split across two files
    for (const l of text.trimEnd().split('\n')) seen.push((JSON.parse(l) as { i: number }).i)
  }
  // the newest lines are kept, in order, up to the last one written
  expect(seen.at(-1)).toBe(199)
  expect(seen).toEqual([...seen].sort((a, b) => a - b))
})

test('an existing log file others could read is tightened before anything is written', async () => {
  using dir = tempDir()
  const file = dir.join('byokey.log')
  writeFileSync(file, '')
  chmodSync(file, 0o644)
  const out = openLogFile(file, { maxBytes: 1000, daily: true, keep: 2 })
  expect(out.loosened).toBe(0o644)
  expect(modeOf(file)).toBe(0o600)
  await out.close()
})

test('no size and no daily rotation: one plain file, written synchronously', async () => {
  using dir = tempDir()
  const file = dir.join('byokey.log')
  const out = openLogFile(file, { maxBytes: 0, daily: false, keep: 5 })
  const log = createLogger({ level: 'info', stream: out.stream })
  for (let i = 0; i < 50; i++) log.info('x'.repeat(100))
  expect(readFileSync(file, 'utf8').split('\n').length).toBe(51)
  await out.close()
  expect(existsSync(`${file}.1`)).toBe(false)
})
