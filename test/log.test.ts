import { describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { createLogger, maskSecrets, REDACTED, redactUrl, redactUrlCredentials } from '../src/log.ts'

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
    '/v1beta/models/g:generateContent?alt=sse&key=[redacted]',
  )
  expect(redactUrl('/v1/chat/completions')).toBe('/v1/chat/completions')
})

describe('hardening #8: query credentials in any case', () => {
  test('every case and spelling of a credential parameter is redacted, whole', () => {
    const names = [
      'key',
      'Key',
      'KEY',
      'api_key',
      'Api-Key',
      'APIKEY',
      'access_token',
      'Access-Token',
      'k%65y',
    ]
    for (const name of names) {
      const out = redactUrl(`/v1beta/models/g:generateContent?alt=sse&${name}=AIzaSECRET42&n=1`)
      expect(out).toBe(`/v1beta/models/g:generateContent?alt=sse&${name}=${REDACTED}&n=1`)
    }
    // a name that merely contains "key" is left alone
    expect(redactUrl('/x?monkey=banana')).toBe('/x?monkey=banana')
  })

  test('URL credentials inside free text (an error message) are stripped too', () => {
    expect(
      redactUrlCredentials('fetch http://user:pw-123@h/v1?KEY=s3cr3t&alt=sse failed; retry ?token=abc'),
    ).toBe(`fetch http://user:${REDACTED}@h/v1?KEY=${REDACTED}&alt=sse failed; retry ?token=${REDACTED}`)
  })

  test("an error's URL (Bun's fetch puts it in `path`) is logged without its key", async () => {
    const { lines, stream } = capture()
    const log = createLogger({ level: 'info', stream })
    const err = await fetch('http://127.0.0.1:1/v1beta/models/g:generateContent?Key=AIzaFETCHSECRET').catch(
      (e: unknown) => e as Error,
    )
    log.error({ err }, 'upstream call failed')
    expect(lines.join('\n')).not.toContain('AIzaFETCHSECRET')
    expect(JSON.parse(lines[0]!).err.path).toContain(`Key=${REDACTED}`)
  })
})

describe('hardening #2: known secrets masked in error text', () => {
  const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyzWXYZ'
  test('whole keys, and elided echoes of their head or tail', () => {
    expect(maskSecrets(`Invalid API key: ${KEY}.`, [KEY])).toBe(`Invalid API key: ${REDACTED}.`)
    expect(maskSecrets('Incorrect API key provided: sk-*****WXYZ. See docs.', [KEY])).toBe(
      `Incorrect API key provided: ${REDACTED}. See docs.`,
    )
    expect(maskSecrets('key sk-proj-abc…WXYZ is revoked', [KEY])).toBe(`key ${REDACTED} is revoked`)
    expect(maskSecrets('key sk-proj-abcdefg... is revoked', [KEY])).toBe(`key ${REDACTED} is revoked`)
  })

  test('unrelated text, ellipses and short test keys are left alone', () => {
    expect(maskSecrets('Loading... done (**** bold)', [KEY])).toBe('Loading... done (**** bold)')
    expect(maskSecrets('the model is unknown', ['k', 'unkn'])).toBe('the model is unknown')
    expect(maskSecrets('bad key test1 given', ['test1'])).toBe(`bad key ${REDACTED} given`)
  })
})

test('level filters lines', () => {
  const { lines, stream } = capture()
  const log = createLogger({ level: 'warn', stream })
  log.info('quiet')
  log.warn('loud')
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud'])
})

test('format pretty writes readable lines on stdout, redacted, and json writes JSON', () => {
  // pino-pretty is loaded only when pretty is asked for: run each in its own process
  const run = (format: string) =>
    Bun.spawnSync(
      [
        process.execPath,
        '-e',
        `import { createLogger } from ${JSON.stringify(`${import.meta.dir}/../src/log.ts`)}
         createLogger({ level: 'info', format: '${format}' }).info({ apiKey: 'sk-live-123' }, 'hello there')`,
      ],
      { stdout: 'pipe', stderr: 'pipe' },
    )
  const pretty = run('pretty')
  expect(pretty.exitCode).toBe(0)
  const text = pretty.stdout.toString()
  expect(text).toMatch(/INFO.*: hello there/)
  expect(text).not.toContain('sk-live-123')
  expect(() => JSON.parse(text)).toThrow()
  const json = run('json')
  expect(JSON.parse(json.stdout.toString())).toMatchObject({ msg: 'hello there', apiKey: REDACTED })
})
