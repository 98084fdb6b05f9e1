import { describe, expect, test } from 'bun:test'
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { ConfigRef, type ConfigSnapshot } from '../../src/config/snapshot.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

function watched(file: string, debounceMs = 50) {
  const swaps: ConfigSnapshot[] = []
  const errors: string[] = []
  const ref = new ConfigRef({
    file,
    debounceMs,
    pollMs: 0,
    onSwap: (s) => swaps.push(s),
    onError: (e) => errors.push(e.message),
  }).watch()
  return { ref, swaps, errors, [Symbol.dispose]: () => ref.close() }
}

describe('config hot reload', () => {
  test('an editor-style save (write temp + rename) is picked up within 1 s', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 9000\n')
    using w = watched(file)
    expect(w.ref.current.config.port).toBe(9000)
    for (const port of [9001, 9002, 9003]) {
      const t0 = Date.now()
      writeFileSync(dir.join('.config.yaml.tmp~'), `port: ${port}\n`)
      renameSync(dir.join('.config.yaml.tmp~'), file)
      await waitFor(() => w.ref.current.config.port === port, 1000)
      expect(Date.now() - t0).toBeLessThan(1000)
    }
    expect(w.ref.current.version).toBe(4)
  })

  test('a bad edit keeps the old config and reports the reason', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 9000\n')
    using w = watched(file)
    writeFileSync(file, 'port: [oops\n')
    await waitFor(() => w.errors.length === 1)
    writeFileSync(file, 'port: "not a number"\n')
    await waitFor(() => w.errors.length === 2)
    expect(w.ref.current.config.port).toBe(9000)
    expect(w.ref.current.version).toBe(1)
    expect(w.errors[0]).toMatch(new RegExp(`^${file}:\\d+: Flow sequence`))
    expect(w.errors[1]).toStartWith(`${file}:1: port: `)
    // and a good edit afterwards still lands
    writeFileSync(file, 'port: 9009\n')
    await waitFor(() => w.ref.current.config.port === 9009)
    expect(w.swaps.map((s) => s.config.port)).toEqual([9009])
  })

  test('50 rapid writes cause one swap per settled state, not 50 reloads', async () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 9000\n')
    using w = watched(file, 100)
    for (let i = 1; i <= 50; i++) {
      writeFileSync(file, `port: ${9000 + i}\n`)
      await Bun.sleep(1)
    }
    await waitFor(() => w.ref.current.config.port === 9050)
    await Bun.sleep(300) // nothing else may follow
    expect(w.swaps.length).toBe(1)
    expect(w.ref.current.version).toBe(2)
    // a second burst settling on the same text as now causes no swap at all
    for (let i = 0; i < 10; i++) writeFileSync(file, i % 2 ? 'port: 1\n' : 'port: 9050\n')
    writeFileSync(file, 'port: 9050\n')
    await Bun.sleep(400)
    expect(w.swaps.length).toBe(1)
  })

  test('a Kubernetes ConfigMap swap (..data symlink renamed) is picked up', async () => {
    using dir = tempDir()
    mkdirSync(dir.join('..v1'))
    writeFileSync(dir.join('..v1', 'config.yaml'), 'port: 9000\n')
    symlinkSync('..v1', dir.join('..data'))
    symlinkSync('..data/config.yaml', dir.join('config.yaml'))
    using w = watched(dir.join('config.yaml'))
    mkdirSync(dir.join('..v2'))
    writeFileSync(dir.join('..v2', 'config.yaml'), 'port: 9100\n')
    symlinkSync('..v2', dir.join('..data_tmp'))
    renameSync(dir.join('..data_tmp'), dir.join('..data'))
    await waitFor(() => w.ref.current.config.port === 9100)
  })

  test('readers keep the snapshot they took while a swap happens', () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, 'port: 9000\n')
    const ref = new ConfigRef({ file, pollMs: 0 })
    const taken = ref.current
    writeFileSync(file, 'port: 9001\n')
    expect(ref.reload()).toEqual({ changed: true, version: 2 })
    expect(taken.config.port).toBe(9000)
    expect(ref.current.config.port).toBe(9001)
    expect(Object.isFrozen(ref.current.config)).toBe(true)
    expect(ref.reload()).toEqual({ changed: false, version: 2 })
  })

  test('a missing default file means built-in defaults; a missing --config file is an error', () => {
    using dir = tempDir()
    const ref = new ConfigRef({ file: dir.join('nope.yaml') })
    expect(ref.current.config.port).toBe(8018)
    expect(() => new ConfigRef({ file: dir.join('nope.yaml'), required: true })).toThrow(
      /nope\.yaml: config file not found/,
    )
  })
})
