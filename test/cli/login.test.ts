import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Account } from '../../src/store/types.ts'
import { fakeAmpcode } from '../helpers/fakes/ampcode.ts'
import { fakeAntigravity } from '../helpers/fakes/antigravity.ts'
import { fakeGemini } from '../helpers/fakes/gemini.ts'
import { apiKeyFor, type FakeOAuth, startFakeOAuth, unsignedJwt } from '../helpers/fakes/oauth.ts'
import { expectNoSecret, runCli, SOURCE_CMD } from '../helpers/process.ts'
import { type TempDir, tempDir, waitFor } from '../helpers/tmp.ts'

/** A port that was free a moment ago: bind 0, read it, close. */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

const IFLOW_SECRET = 'cli-iflow-secret'

/** A config pointing every login at the fake; the callback on a free port. */
async function writeConfig(dir: TempDir, fake: FakeOAuth): Promise<string> {
  const port = await freePort()
  const oauth = {
    authorize_url: fake.authorizeUrl,
    token_url: fake.tokenUrl,
    client_id: fake.clientId,
    redirect_port: port,
  }
  const config = {
    providers: {
      claude: { oauth },
      codex: { oauth },
      copilot: {
        oauth: {
          device_code_url: fake.deviceCodeUrl,
          token_url: fake.tokenUrl,
          client_id: fake.clientId,
          token_exchange_url: fake.copilotTokenUrl,
        },
      },
      qwen: {
        oauth: { device_code_url: fake.deviceCodeUrl, token_url: fake.tokenUrl, client_id: fake.clientId },
      },
      kimi: {
        oauth: { device_code_url: fake.deviceCodeUrl, token_url: fake.tokenUrl, client_id: fake.clientId },
      },
      // BYOKEY's spelling of the key
      i_flow: {
        oauth: {
          ...oauth,
          client_secret: IFLOW_SECRET,
          userinfo_url: `${fake.url}/api/oauth/getUserInfo`,
        },
      },
    },
  }
  const file = dir.join('config.json')
  writeFileSync(file, JSON.stringify(config))
  return file
}

interface Login {
  /** Resolves with the first stdout match of `re`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>
  write(text: string): void
  done: Promise<{ code: number; stdout: string; stderr: string }>
  kill(): void
}

/** Starts `byokey login …` as a real process with a piped stdin, reading stdout as it comes. */
function startLogin(
  dir: TempDir,
  args: string[],
  env: Record<string, string> = {},
  stdin: 'pipe' | 'ignore' = 'pipe',
): Login {
  const proc = Bun.spawn([...SOURCE_CMD, 'login', ...args], {
    env: {
      ...process.env,
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
      DISPLAY: '',
      WAYLAND_DISPLAY: '',
      ...env,
    },
    stdio: [stdin, 'pipe', 'pipe'],
  })
  let out = ''
  const stdoutDone = (async () => {
    const dec = new TextDecoder()
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) out += dec.decode(chunk)
    return out
  })()
  const stderr = new Response(proc.stderr as ReadableStream).text()
  const done = Promise.all([stdoutDone, stderr, proc.exited]).then(([stdout, err, code]) => ({
    code,
    stdout,
    stderr: err,
  }))
  return {
    async waitFor(re, ms = 10_000) {
      return await waitFor(
        async () => {
          const m = out.match(re)
          if (m) return m
          if (proc.exitCode !== null) {
            const r = await done
            throw new Error(`login exited ${r.code} before ${re}: ${r.stdout}\n${r.stderr}`)
          }
          return undefined
        },
        ms,
        20,
      )
    },
    write(text) {
      const sink = proc.stdin as import('bun').FileSink
      sink.write(text)
      sink.flush()
    },
    done,
    kill: () => proc.kill('SIGKILL'),
  }
}

const URL_RE = /^(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m

function storedAccounts(dir: TempDir, provider: string): Account[] {
  const store = openSqliteStore(dir.join('byokey.db'))
  try {
    return store.accounts.list(provider)
  } finally {
    store.close()
  }
}

function tokenStrings(acc: Account): string[] {
  return ['access_token', 'refresh_token', 'id_token', 'github_token']
    .map((k) => acc.token[k])
    .filter((v): v is string => typeof v === 'string' && v !== '')
}

describe('byokey login', () => {
  test('help with examples, listed in the main help', async () => {
    const main = await runCli(['--help'])
    expect(main.stdout).toContain('  login ')
    const r = await runCli(['login', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: byokey login')
    expect(r.stdout).toContain('Examples:')
  })

  // every provider id has a login since kiro's: what is left to refuse is a name that is none
  test('an unknown provider is a usage error listing the valid ones', async () => {
    using dir = tempDir()
    const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
    const r = await runCli(['login', 'nope'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown provider 'nope'")
    expect(r.stderr).toMatch(/valid providers: .*\bgemini\b.*\bkiro\b/)
    expect((await runCli(['login'], env)).code).toBe(2)
    expect(existsSync(dir.join('byokey.db'))).toBe(false)
  })

  test('claude: browser reaches the loopback callback; the account is stored, no token printed', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({ tokenStyle: 'json' })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['anthropic', '-c', config], {}, 'ignore')
    const [, url] = await login.waitFor(URL_RE)
    const res = await fetch(url!) // follows the 302 to the callback, like a browser
    expect(res.status).toBe(200)
    await res.text()
    const r = await login.done
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to claude as default (active)')
    const [acc, ...rest] = storedAccounts(dir, 'claude')
    expect(rest).toEqual([])
    expect(acc!.kind).toBe('oauth')
    expect(acc!.active).toBe(true)
    expect(fake.isValidAccess(String(acc!.token.access_token))).toBe(true)
    expect(String(acc!.token.refresh_token)).toStartWith('rt-')
    expect(acc!.expiresAt).toBeGreaterThan(Date.now() + 3000_000)
    expectNoSecret(r, ...tokenStrings(acc!))
    // The redirect uri was on the configured port.
    expect(new URL(url!).searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/callback$/)
  })

  test('claude: pasting the redirected URL on stdin, with --account and --label', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth()
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['claude', '-c', config, '--account', 'work', '--label', 'Work'])
    const [, url] = await login.waitFor(URL_RE)
    await login.waitFor(/paste/i)
    const res = await fetch(url!, { redirect: 'manual' })
    const location = res.headers.get('location')!
    expect(location).toContain('code=')
    login.write(`${location}\n`)
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to claude as work [Work] (active)')
    const [acc] = storedAccounts(dir, 'claude')
    expect(acc!.accountId).toBe('work')
    expect(acc!.label).toBe('Work')
    expect(fake.counters.codeExchanges).toBe(1)
    expectNoSecret(r, ...tokenStrings(acc!))
  })

  test('codex: the account id comes from the id_token; a second login is not made active', async () => {
    using dir = tempDir()
    const idToken = unsignedJwt({
      email: 'me@example.com',
      'https://api.openai.com/auth': { chatgpt_account_id: 'acct-4242' },
    })
    await using fake = startFakeOAuth({ tokenStyle: 'form', tokenFields: () => ({ id_token: idToken }) })
    const config = await writeConfig(dir, fake)
    const seed = await runCli(['add-api-key', 'codex', 'sk-seed-key-0123456789'], {
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
    })
    expect(seed.code).toBe(0)
    const login = startLogin(dir, ['openai', '-c', config, '--no-browser'], {}, 'ignore')
    const [, url] = await login.waitFor(URL_RE)
    expect(new URL(url!).searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/)
    await (await fetch(url!)).text()
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to codex as acct-4242 [me@example.com]')
    expect(r.stdout).toContain("run 'byokey switch codex acct-4242'")
    const acc = storedAccounts(dir, 'codex').find((a) => a.accountId === 'acct-4242')!
    expect(acc.kind).toBe('oauth')
    expect(acc.active).toBe(false)
    expect(acc.token.account_id).toBe('acct-4242')
    expect(acc.token.id_token).toBe(idToken)
    expectNoSecret(r, ...tokenStrings(acc))
  })

  test('copilot: device code printed, approved on the fake, GitHub login as the id', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({ deviceInterval: 1, githubLogin: 'mona' })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['github', '-c', config], {}, 'ignore')
    await login.waitFor(/enter the code WDJB-MJHT/)
    fake.approveDevice()
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to copilot as mona (active)')
    expect(r.stdout).not.toContain('\r') // not a TTY: no countdown
    const [acc] = storedAccounts(dir, 'copilot')
    expect(acc!.kind).toBe('oauth')
    expect(fake.isValidAccess(String(acc!.token.github_token))).toBe(true)
    expectNoSecret(r, ...tokenStrings(acc!))
  })

  test('qwen: device code with PKCE approved on the fake; the API base comes from resource_url', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({
      deviceInterval: 1,
      tokenFields: () => ({ resource_url: 'portal.example' }),
    })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['alibaba', '-c', config], {}, 'ignore')
    await login.waitFor(/enter the code WDJB-MJHT/)
    fake.approveDevice()
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to qwen as default (active)')
    const [acc] = storedAccounts(dir, 'qwen')
    expect(acc!.token['api_base']).toBe('https://portal.example/v1')
    expect(fake.isValidAccess(String(acc!.token['access_token']))).toBe(true)
    expectNoSecret(r, ...tokenStrings(acc!))
  }, 20_000)

  test('kimi: the device headers on every auth call; the device id is made once in the data dir', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({
      deviceInterval: 1,
      requiredHeaders: ['x-msh-platform', 'x-msh-version', 'x-msh-device-id'],
    })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['moonshot', '-c', config], {}, 'ignore')
    await login.waitFor(/enter the code WDJB-MJHT/)
    fake.approveDevice()
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to kimi as default (active)')
    const deviceId = readFileSync(dir.join('kimi-device-id'), 'utf8').trim()
    const [acc] = storedAccounts(dir, 'kimi')
    expect(acc!.token['device_id']).toBe(deviceId)
    expect(fake.server.requests.every((rec) => rec.headers['x-msh-device-id'] === deviceId)).toBe(true)
    // the account is managed like any other
    const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
    expect((await runCli(['status'], env)).stdout).toMatch(/^kimi:\s+1 account, active: default \(oauth ok/m)
    expect((await runCli(['accounts', 'kimi'], env)).stdout).toContain('default')
    expect((await runCli(['switch', 'kimi', 'default'], env)).code).toBe(0)
    const out = await runCli(['logout', 'kimi'], env)
    expect(out.code).toBe(0)
    expect(storedAccounts(dir, 'kimi')).toEqual([])
  }, 20_000)

  test('iflow (config key i_flow): browser login without PKCE; the API key is what is stored', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({ clientSecret: IFLOW_SECRET })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['iflow', '-c', config], {}, 'ignore')
    const [, url] = await login.waitFor(URL_RE)
    expect(new URL(url!).searchParams.get('code_challenge')).toBeNull()
    const res = await fetch(url!)
    expect(res.status).toBe(200)
    await res.text()
    const r = await login.done
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to iflow as ada@example.com (active)')
    const [acc] = storedAccounts(dir, 'iflow')
    expect(acc!.token['access_token']).toBe(apiKeyFor(String(acc!.token['oauth_access_token'])))
    expectNoSecret(r, ...tokenStrings(acc!), String(acc!.token['oauth_access_token']))
  }, 20_000)

  test('a denied authorization exits 1 with the OAuth error; nothing is stored', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth()
    const config = await writeConfig(dir, fake)
    fake.denyNextAuthorize('access_denied', 'the user said no')
    const login = startLogin(dir, ['claude', '-c', config], {}, 'ignore')
    const [, url] = await login.waitFor(URL_RE)
    // The login may end (and close the callback server) before the error page is fully sent.
    await fetch(url!)
      .then((res) => res.text())
      .catch(() => '')
    const r = await login.done
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('access_denied')
    expect(r.stderr).toContain('the user said no')
    expect(existsSync(dir.join('byokey.db'))).toBe(false)
  })

  test('a denied device login exits 1', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({ deviceInterval: 1 })
    const config = await writeConfig(dir, fake)
    const login = startLogin(dir, ['copilot', '-c', config], {}, 'ignore')
    await login.waitFor(/WDJB-MJHT/)
    fake.denyDevice()
    const r = await login.done
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('access_denied')
  })

  test('a missing -c file exits 1', async () => {
    using dir = tempDir()
    const r = await runCli(['login', 'claude', '-c', dir.join('nope.yaml')], {
      BYOKEY_HOME: dir.path,
      HOME: dir.path,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('config file not found')
  })

  test('--no-browser never starts a browser; without it xdg-open is run when DISPLAY is set', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth()
    const config = await writeConfig(dir, fake)
    const bin = dir.join('bin')
    mkdirSync(bin)
    const marker = dir.join('browser-opened')
    for (const name of ['xdg-open', 'open']) {
      writeFileSync(`${bin}/${name}`, `#!/bin/sh\necho "$1" >> '${marker}'\n`)
      chmodSync(`${bin}/${name}`, 0o755)
    }
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}`, DISPLAY: ':0' }

    const quiet = startLogin(dir, ['claude', '-c', config, '--no-browser'], env, 'ignore')
    const [, url1] = await quiet.waitFor(URL_RE)
    await Bun.sleep(300)
    await (await fetch(url1!)).text()
    expect((await quiet.done).code).toBe(0)
    expect(existsSync(marker)).toBe(false)

    const loud = startLogin(dir, ['claude', '-c', config], env, 'ignore')
    const [, url2] = await loud.waitFor(URL_RE)
    // `>>` creates the file before the line is in it: wait for the whole line
    await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').endsWith('\n'), 5000)
    expect(readFileSync(marker, 'utf8').trim()).toBe(url2!)
    await (await fetch(url2!)).text()
    expect((await loud.done).code).toBe(0)
  })

  test('gemini: loopback callback, email from userinfo, the Code Assist project stored', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({
      tokenStyle: 'form',
      rotate: false,
      clientSecret: 'fake-secret',
      clientSecretIn: 'body',
    })
    await using ca = fakeGemini({ text: 'x' }, { codeAssist: { project: 'proj-cli' } })
    const config = await writeGeminiConfig(dir, fake, ca.url)
    const login = startLogin(dir, ['google', '-c', config], {}, 'ignore')
    const [, url] = await login.waitFor(URL_RE)
    const q = new URL(url!).searchParams
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/oauth2callback$/)
    expect(q.get('access_type')).toBe('offline')
    await (await fetch(url!)).text()
    const r = await login.done
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('logged in to gemini as ada@example.com (active)')
    const [acc] = storedAccounts(dir, 'gemini')
    expect(acc!.token).toMatchObject({ email: 'ada@example.com', project_id: 'proj-cli' })
    expect(fake.isValidAccess(String(acc!.token.access_token))).toBe(true)
    expectNoSecret(r, ...tokenStrings(acc!))
  }, 30_000)

  test('gemini --no-browser: Google shows a code, pasted on stdin; a new account is onboarded', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({ tokenStyle: 'form', rotate: false })
    await using ca = fakeGemini({ text: 'x' }, { codeAssist: { project: null, onboardPolls: 0 } })
    const config = await writeGeminiConfig(dir, fake, ca.url)
    const login = startLogin(dir, ['gemini', '-c', config, '--no-browser'])
    const [, url] = await login.waitFor(URL_RE)
    expect(new URL(url!).searchParams.get('redirect_uri')).toBe(fake.codePageUrl)
    await login.waitFor(/paste/i)
    // the browser lands on Google's code page, which shows the code
    const page = await (await fetch(url!)).text()
    const code = /<code id="code">([^<]+)<\/code>/.exec(page)?.[1]
    login.write(`${code}\n`)
    const r = await login.done
    expect(r.code).toBe(0)
    const [acc] = storedAccounts(dir, 'gemini')
    expect(acc!.token.project_id).toBe('fake-onboarded-project')
    expect(ca.onboardCalls).toBe(1)
    expectNoSecret(r, ...tokenStrings(acc!))
  }, 30_000)

  test('antigravity: Google login, project found; then accounts, switch, status and logout', async () => {
    using dir = tempDir()
    await using fake = startFakeOAuth({
      tokenStyle: 'form',
      rotate: false,
      clientSecret: 'fake-ag-secret',
      clientSecretIn: 'body',
    })
    await using backend = fakeAntigravity({ text: 'unused' }, { project: 'ag-project-9' })
    const port = await freePort()
    const file = dir.join('config.json')
    writeFileSync(
      file,
      JSON.stringify({
        providers: {
          antigravity: {
            base_url: backend.url,
            code_assist_url: backend.url,
            oauth: {
              authorize_url: fake.authorizeUrl,
              token_url: fake.tokenUrl,
              userinfo_url: fake.userinfoUrl,
              client_id: fake.clientId,
              client_secret: 'fake-ag-secret',
              redirect_port: port,
            },
          },
        },
      }),
    )
    const cli = (args: string[]) => runCli(args, { BYOKEY_HOME: dir.path, HOME: dir.path })
    const logins: Array<[string[], string]> = [
      [[], 'logged in to antigravity as ada@example.com (active)'],
      [['--account', 'work', '--label', 'Work'], 'logged in to antigravity as work [Work]'],
    ]
    for (const [extra, said] of logins) {
      const login = startLogin(dir, ['antigravity', '-c', file, ...extra], {}, 'ignore')
      const [, url] = await login.waitFor(URL_RE)
      expect(new URL(url!).searchParams.get('redirect_uri')).toBe(`http://localhost:${port}/oauth-callback`)
      await (await fetch(url!)).text()
      const r = await login.done
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(said)
      for (const acc of storedAccounts(dir, 'antigravity')) expectNoSecret(r, ...tokenStrings(acc))
    }
    const stored = storedAccounts(dir, 'antigravity')
    expect(stored.map((a) => [a.accountId, a.token['project_id'], a.token['email']])).toEqual([
      ['ada@example.com', 'ag-project-9', 'ada@example.com'],
      ['work', 'ag-project-9', 'ada@example.com'],
    ])

    const listed = await cli(['accounts', 'antigravity'])
    expect(listed.stdout).toMatch(/^ {2}ada@example\.com \(active\) oauth ok/m)
    expect(listed.stdout).toMatch(/^ {2}work \[Work\] oauth ok/m)
    expect((await cli(['switch', 'antigravity', 'work'])).stdout).toContain(
      'antigravity: active account is now work',
    )
    const status = await cli(['status', '--json'])
    const ag = (JSON.parse(status.stdout) as { providers: Array<Record<string, unknown>> }).providers.find(
      (p) => p['provider'] === 'antigravity',
    )
    expect(ag?.['active']).toBe('work')
    const out = await cli(['logout', 'antigravity'])
    expect(out.stdout).toContain('antigravity: removed account work')
    expect(storedAccounts(dir, 'antigravity').map((a) => [a.accountId, a.active])).toEqual([
      ['ada@example.com', true],
    ])
  }, 30_000)
})

describe('byokey login amp', () => {
  test('against a fake ampcode.com: stored, then status, accounts, switch and logout handle it', async () => {
    using dir = tempDir()
    await using amp = fakeAmpcode({
      oauth: { tokenFields: () => ({ id_token: unsignedJwt({ email: 'ada@example.com' }) }) },
    })
    const config = dir.join('config.json')
    writeFileSync(
      config,
      JSON.stringify({
        amp: { base_url: amp.url },
        providers: { amp: { oauth: { client_id: amp.oauth.clientId, redirect_port: await freePort() } } },
      }),
    )
    const login = startLogin(dir, ['ampcode', '-c', config], {}, 'ignore')
    const [, url] = await login.waitFor(/^(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/m)
    expect(new URL(url!).origin).toBe(amp.url)
    await (await fetch(url!)).text() // the fake ampcode.com redirects to the callback, like a browser
    const r = await login.done
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('logged in to amp as ada@example.com (active)')
    const [acc] = storedAccounts(dir, 'amp')
    expect(acc!.kind).toBe('oauth')
    expect(amp.oauth.isValidAccess(String(acc!.token.access_token))).toBe(true)
    expectNoSecret(r, ...tokenStrings(acc!))

    const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
    const key = await runCli(
      ['add-api-key', 'amp', '-', '--account', 'shared'],
      env,
      SOURCE_CMD,
      'amp-key-of-the-team\n',
    )
    expect(key.code).toBe(0)
    expect((await runCli(['status'], env)).stdout).toMatch(/amp\b.*2 account/)
    expect((await runCli(['accounts', 'amp'], env)).stdout).toMatch(/ada@example\.com.*\(active\)/)
    expect((await runCli(['switch', 'amp', 'shared'], env)).code).toBe(0)
    expect(storedAccounts(dir, 'amp').find((a) => a.active)?.accountId).toBe('shared')
    expect((await runCli(['logout', 'amp'], env)).code).toBe(0)
    expect(storedAccounts(dir, 'amp').map((a) => a.accountId)).toEqual(['ada@example.com'])
  }, 30_000) // six CLI processes, on a busy machine

  test('without a client id the login exits 1 naming the setting; nothing is stored', async () => {
    using dir = tempDir()
    const r = await runCli(['login', 'amp'], { BYOKEY_HOME: dir.path, HOME: dir.path })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('providers.amp.oauth.client_id')
    expect(existsSync(dir.join('byokey.db'))).toBe(false)
  })
})

/** Config for the gemini login: Google's endpoints on the fake, Code Assist on `codeAssist`. */
async function writeGeminiConfig(dir: TempDir, fake: FakeOAuth, codeAssist: string): Promise<string> {
  const oauth = {
    authorize_url: fake.authorizeUrl,
    token_url: fake.tokenUrl,
    userinfo_url: fake.userinfoUrl,
    code_page_url: fake.codePageUrl,
    client_id: fake.clientId,
    client_secret: 'fake-secret',
    redirect_port: await freePort(),
  }
  const file = dir.join('config.json')
  writeFileSync(file, JSON.stringify({ providers: { gemini: { base_url: codeAssist, oauth } } }))
  return file
}
