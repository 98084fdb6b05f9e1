import { expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { createLogger, REDACTED, redactUrl } from '../src/log.ts'

function capture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      cb()
    },
  })
  return { lines, stream }
}

test('secrets are redacted by key name at any depth, and nothing else is', () => {
  const { lines, stream } = capture()
  const log = createLogger({ level: 'info', stream })
  log.info(
    {
      headers: {
        Authorization: 'Bearer sk-live-123',
        'x-api-key': 'sk-ant-456',
        'X-Goog-Api-Key': 'AIza789',
        accept: '*/*',
      },
      account: {
        oauth: { access_token: 'at-1', refresh_token: 'rt-1', id_token: 'idt', expires_at: 5 },
        token: 'tok-1',
      },
      providers: [{ api_key: 'sk-list' }, { apiKey: 'sk-camel' }],
      model: 'gpt-5',
    },
    'upstream call',
  )
  log.child({ client_secret: 'cs-1' }).warn({ password: 'pw' }, 'child')
  const out = lines.join('\n')
  for (const secret of [
    'sk-live-123',
    'sk-ant-456',
    'AIza789',
    'at-1',
    'rt-1',
    'idt',
    'sk-list',
    'sk-camel',
    'pw',
    'tok-1',
    'cs-1',
  ]) {
    expect(out).not.toContain(secret)
  }
  const first = JSON.parse(lines[0]!)
  expect(first.headers).toEqual({
    Authorization: REDACTED,
    'x-api-key': REDACTED,
    'X-Goog-Api-Key': REDACTED,
    accept: '*/*',
  })
  expect(first.account.oauth).toEqual({
    access_token: REDACTED,
    refresh_token: REDACTED,
    id_token: REDACTED,
    expires_at: 5,
  })
  expect(first.model).toBe('gpt-5')
  expect(first.msg).toBe('upstream call')
})

test('child bindings with secrets are redacted too', () => {
  const { lines, stream } = capture()
  createLogger({ level: 'info', stream }).child({ api_key: 'sk-bound' }).info('hello')
  expect(lines.join('\n')).not.toContain('sk-bound')
  expect(JSON.parse(lines[0]!).api_key).toBe(REDACTED)
})

test('credentials in URLs are stripped', () => {
  expect(redactUrl('/v1beta/models/g:generateContent?alt=sse&key=AIzaSECRET')).toBe(
    '/v1beta/models/g:generateContent?alt=sse&key=%5Bredacted%5D',
  )
  expect(redactUrl('/v1/chat/completions')).toBe('/v1/chat/completions')
})

test('level filters lines', () => {
  const { lines, stream } = capture()
  const log = createLogger({ level: 'warn', stream })
  log.info('quiet')
  log.warn('loud')
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud'])
})
