/**
 * Hardening #1: a config file that parses to nothing (empty, `~`, `null`, only comments) is what
 * an in-place editor save looks like for a moment. On reload it is a bad edit: the previous config
 * stays live and every upstream keeps answering.
 */
import { describe, expect, test } from 'bun:test'
import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { stringify } from 'yaml'
import { ConfigRef } from '../../src/config/snapshot.ts'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { tempDir } from '../helpers/tmp.ts'

const BLANK_TEXTS = ['', '\n', '   \n\n', '~\n', 'null\n', '# nothing but a comment\n', '---\n', '--- ~\n']

describe('hardening #1: an empty or ~ config on hot reload keeps the previous config', () => {
  test.each(BLANK_TEXTS.map((t) => [JSON.stringify(t), t]))('reload of %s is rejected', (_name, text) => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(
      file,
      'port: 9000\nupstreams: [{name: up, dialect: openai-chat, base_url: "http://x", api_key: k}]\n',
    )
    const errors: string[] = []
    const ref = new ConfigRef({ file, pollMs: 0, onError: (e) => errors.push(e.message) })
    writeFileSync(file, text)
    const result = ref.reload()
    expect(result.changed).toBe(false)
    expect(result.error).toContain('the file is empty')
    expect(errors).toEqual([result.error as string])
    expect(ref.current.version).toBe(1)
    expect(ref.current.config.port).toBe(9000)
    expect(ref.current.config.upstreams.map((u) => u.name)).toEqual(['up'])
    // `{}` is the way to say "all defaults", and the next good save lands as usual
    writeFileSync(file, '{}\n')
    expect(ref.reload()).toEqual({ changed: true, version: 2 })
    expect(ref.current.config.upstreams).toEqual([])
  })

  test('an empty file at startup runs on the defaults, with a warning', () => {
    using dir = tempDir()
    const file = dir.join('config.yaml')
    writeFileSync(file, '')
    const warnings: string[] = []
    const ref = new ConfigRef({ file, pollMs: 0, onWarning: (w) => warnings.push(w) })
    expect(ref.current.config.port).toBe(8018)
    expect(warnings).toEqual([`${file}: the config file is empty: running on built-in defaults`])
  })

  test('requests keep succeeding while an editor rewrites the file in place under load', async () => {
    await using up = fakeOpenAI({ text: 'ok' })
    const config = {
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${up.url}/v1`, api_key: 'k' }],
    }
    await using gw = await testGateway(config)
    const text = stringify({ port: 0, ...config })
    let rejected = 0
    let stop = false
    const editor = (async () => {
      // in place: truncate, pause (the editor is still writing), then the bytes; 40 saves, each
      // reloaded at its blank moment and after it, as the watcher would when the write is slow
      for (let i = 0; i < 40 && !stop; i++) {
        const fd = openSync(gw.configFile, 'r+')
        ftruncateSync(fd, 0)
        if (gw.config.reload().error) rejected++
        await Bun.sleep(5)
        writeSync(fd, `${text}# save ${i}\n`, 0)
        closeSync(fd)
        gw.config.reload()
        await Bun.sleep(5)
      }
    })()
    const statuses: number[] = []
    const client = (async () => {
      for (let i = 0; i < 200; i++) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
        })
        statuses.push(res.status)
        await res.arrayBuffer()
      }
    })()
    await client
    stop = true
    await editor
    expect(rejected).toBeGreaterThan(0)
    expect(statuses.filter((s) => s !== 200)).toEqual([])
    expect(gw.config.current.config.upstreams.map((u) => u.name)).toEqual(['up'])
  })
})
