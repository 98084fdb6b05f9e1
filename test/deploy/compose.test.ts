/**
 * The docker compose example (docs/deploy/compose/): no Docker engine runs here, so this checks
 * what can be checked without one. The compose file names every service, volume, secret and file
 * it uses; HAProxy accepts its config (`haproxy -c`) and balances over exactly the byokey services
 * on the port their config listens on; the entrypoint turns secret files into the environment
 * byokey reads; the secrets script writes each secret once; both scripts pass shellcheck.
 */
import { describe, expect, test } from 'bun:test'
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { archiveName, binaryName, PLATFORMS, RELEASES_URL } from '../../scripts/release.ts'
import { storeTarget } from '../../src/cli/store-access.ts'
import { coordinationSettings } from '../../src/config/coordination.ts'
import { parseConfig } from '../../src/config/load.ts'
import { ROOT } from '../helpers/process.ts'
import { tempDir } from '../helpers/tmp.ts'

const DIR = join(ROOT, 'docs', 'deploy', 'compose')
const read = (name: string) => readFileSync(join(DIR, name), 'utf8')

interface Service {
  image?: string
  build?: { context: string }
  depends_on?: string[] | Record<string, unknown>
  volumes?: string[]
  secrets?: string[]
  ports?: string[]
}
interface Compose {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
  secrets?: Record<string, { file: string }>
}

const compose = parse(read('compose.yaml'), { merge: true }) as Compose
const services = compose.services
const byokeys = Object.keys(services).filter((s) => s.startsWith('byokey'))

const haproxy = Bun.which('haproxy')

describe('the compose example', () => {
  test('two byokeys, PostgreSQL, Redis and a balancer; every name it uses is declared', () => {
    expect(byokeys).toEqual(['byokey1', 'byokey2'])
    expect(Object.keys(services).sort()).toEqual(['byokey1', 'byokey2', 'lb', 'postgres', 'redis'])
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {})
      for (const d of deps) expect(Object.keys(services), `${name} depends on ${d}`).toContain(d)
      for (const secret of s.secrets ?? [])
        expect(Object.keys(compose.secrets ?? {}), `${name} uses ${secret}`).toContain(secret)
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!
        // a path is a file of the example; a bare name is a named volume, declared at the end
        if (source.startsWith('./')) expect(existsSync(join(DIR, source)), v).toBe(true)
        else expect(Object.keys(compose.volumes ?? {}), `${name} mounts ${source}`).toContain(source)
      }
      if (s.build) expect(existsSync(join(DIR, s.build.context, 'Dockerfile'))).toBe(true)
    }
    // the byokeys wait for healthy servers, and only the balancer is published
    for (const b of byokeys) {
      expect(services[b]!.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      })
      expect(services[b]!.ports).toBeUndefined()
    }
    expect(services['lb']!.ports).toEqual(['8018:8018'])
  })

  test("the config both byokeys mount is valid: PostgreSQL and Redis from the entrypoint's variables", () => {
    const { config, warnings } = parseConfig(read('byokey.yaml'), 'byokey.yaml')
    expect(warnings).toEqual([])
    expect(config.host).toBe('0.0.0.0')
    expect(config.admin).toMatchObject({ key_env: 'BYOKEY_ADMIN_KEY', allow_remote: true })
    // no URL in the file: the entrypoint's environment gives both
    expect(config.store).toMatchObject({ kind: 'postgres' })
    expect(config.store.url).toBeUndefined()
    expect(config.coordination).toEqual({ kind: 'redis' })
    const env = {
      BYOKEY_DATABASE_URL: 'postgres://byokey:abc@postgres:5432/byokey',
      BYOKEY_REDIS_URL: 'redis://:def@redis:6379',
    }
    expect(storeTarget(config.store, '/unused.db', env)).toMatchObject({
      kind: 'postgres',
      url: env.BYOKEY_DATABASE_URL,
    })
    expect(coordinationSettings(config, env)).toEqual({ kind: 'redis', url: env.BYOKEY_REDIS_URL })
    expect(() => coordinationSettings(config, {})).toThrow('BYOKEY_REDIS_URL')
    expect(() => storeTarget(config.store, '/unused.db', {})).toThrow('BYOKEY_DATABASE_URL')
    // a stop drains, lets streams finish and usage rows be written (5 s) before compose kills it
    const grace = (services['byokey1'] as { stop_grace_period?: string }).stop_grace_period
    expect(grace).toMatch(/^\d+s$/)
    const { shutdown_drain_ms: drain, shutdown_timeout_ms: timeout } = config.server
    expect(drain + timeout + 5000).toBeLessThan(Number.parseInt(grace!, 10) * 1000)
    // the drain outlasts HAProxy's checks taking the instance out: interval x fall
    const check = /check inter (\d+)s fall (\d+)/.exec(read('haproxy.cfg'))!
    expect(drain).toBeGreaterThan(Number(check[1]) * 1000 * Number(check[2]))
  })

  test('every secret file it mounts is one init-secrets.sh writes, and the entrypoint reads', () => {
    const script = read('init-secrets.sh')
    const entry = read('entrypoint.sh')
    for (const [name, { file }] of Object.entries(compose.secrets ?? {})) {
      expect(file).toBe(`./secrets/${name}`)
      expect(script).toContain(`\nnew ${name} `)
      expect(`${entry}${read('compose.yaml')}`).toContain(name)
    }
    expect(read('.gitignore')).toContain('secrets/')
  })

  test('the Dockerfile copies only files of the example, and runs the entrypoint', () => {
    const dockerfile = read('Dockerfile')
    const copies = [...dockerfile.matchAll(/^COPY (\S+) /gm)].map((m) => m[1]!)
    expect(copies).toEqual(['entrypoint.sh'])
    for (const c of copies) expect(statSync(join(DIR, c)).mode & 0o111).not.toBe(0)
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/local/bin/byokey"]')
    expect(dockerfile).toContain('sha256sum -c')
  })

  test("the Dockerfile fetches the release's Linux archive by its name and unpacks its binary", () => {
    const dockerfile = read('Dockerfile')
    expect(dockerfile).toContain(`base=${RELEASES_URL};`)
    expect(dockerfile).toContain('url=$base/latest/download')
    expect(dockerfile).toContain('url=$base/download/v$BYOKEY_VERSION')
    // the archive it picks from SHA256SUMS (a grep pattern: the same in a JavaScript RegExp here)
    const grep = /grep -o "([^"]+)" SHA256SUMS/.exec(dockerfile)?.[1]
    expect(grep).toBe('byokey-[^ ]*-linux-$arch.tar.gz')
    const linux = PLATFORMS.filter((p) => p.os === 'linux')
    expect(linux.map((p) => p.arch).sort()).toEqual(['arm64', 'x64'])
    for (const p of linux) {
      expect(archiveName('1.2.3', p)).toMatch(new RegExp(`^${grep!.replace('$arch', p.arch)}$`))
      expect(binaryName(p)).toBe('byokey')
    }
    expect(dockerfile).toContain('tar -xzf "$name" -C /usr/local/lib/byokey byokey')
    expect(read('entrypoint.sh')).toContain(':-/usr/local/lib/byokey/byokey}')
  })

  test.skipIf(!haproxy && process.env['CI'] !== 'true')(
    'HAProxy accepts its config; it checks /readyz and balances over the byokeys on their port',
    () => {
      expect(haproxy, 'CI: HAProxy (Debian package haproxy) is not installed').toBeTruthy()
      const r = Bun.spawnSync([haproxy!, '-c', '-f', join(DIR, 'haproxy.cfg')])
      expect(r.stdout.toString()).toContain('Configuration file is valid')
      expect(r.exitCode).toBe(0)
      const cfg = read('haproxy.cfg')
      const servers = [...cfg.matchAll(/^\s*server (\S+) (\S+):(\d+)/gm)]
      const port = (parse(read('byokey.yaml')) as { port: number }).port
      expect(servers.map((m) => m[1])).toEqual(byokeys)
      expect(servers.map((m) => m[2])).toEqual(byokeys)
      expect(servers.every((m) => Number(m[3]) === port)).toBe(true)
      expect(cfg).toMatch(/option httpchk GET \/readyz\n\s*http-check expect status 200/)
      expect(cfg).toMatch(/\n\s*bind :8018\n/)
      // streams running on an instance taken out finish
      expect(cfg.replace(/#.*$/gm, '')).not.toContain('shutdown-sessions')
    },
  )

  test('entrypoint.sh and init-secrets.sh pass shellcheck as POSIX sh', () => {
    const r = Bun.spawnSync([
      'shellcheck',
      '--shell=sh',
      join(DIR, 'entrypoint.sh'),
      join(DIR, 'init-secrets.sh'),
    ])
    expect(r.stdout.toString()).toBe('')
    expect(r.exitCode).toBe(0)
  })
})

describe('the secrets and the entrypoint', () => {
  test('init-secrets.sh writes each secret once, hex, in a folder only its owner reads', () => {
    using dir = tempDir()
    cpSync(join(DIR, 'init-secrets.sh'), dir.join('init-secrets.sh'))
    const run = () => Bun.spawnSync(['sh', dir.join('init-secrets.sh')])
    expect(run().exitCode).toBe(0)
    const secrets = dir.join('secrets')
    expect(statSync(secrets).mode & 0o777).toBe(0o700)
    expect(readdirSync(secrets).sort()).toEqual(Object.keys(compose.secrets ?? {}).sort())
    const first = Object.fromEntries(
      readdirSync(secrets).map((f) => [f, readFileSync(join(secrets, f), 'utf8')]),
    )
    expect(first['postgres_password']).toMatch(/^[0-9a-f]{48}\n$/)
    expect(first['redis_password']).toMatch(/^[0-9a-f]{48}\n$/)
    expect(first['byokey_admin_key']).toMatch(/^byka-[0-9a-f]{64}\n$/)
    expect(first['byokey_secret_key']).toMatch(/^[0-9a-f]{64}\n$/)
    expect(first['postgres_password']).not.toBe(first['redis_password'])
    // again: nothing changes
    const again = run()
    expect(again.stdout.toString()).not.toContain('written')
    for (const [f, text] of Object.entries(first)) expect(readFileSync(join(secrets, f), 'utf8')).toBe(text)
  })

  test('the entrypoint builds the URLs and keys from the secret files, leaves set variables alone', () => {
    using dir = tempDir()
    const secrets = dir.join('secrets')
    cpSync(join(DIR, 'init-secrets.sh'), dir.join('init-secrets.sh'))
    expect(Bun.spawnSync(['sh', dir.join('init-secrets.sh')]).exitCode).toBe(0)
    const s = (f: string) => readFileSync(join(secrets, f), 'utf8').trim()
    // stands in for the binary: prints what byokey would get
    const bin = dir.join('byokey')
    writeFileSync(
      bin,
      '#!/bin/sh\nprintf "%s\\n" "$*" "$BYOKEY_DATABASE_URL" "$BYOKEY_REDIS_URL" "$BYOKEY_ADMIN_KEY" "$BYOKEY_SECRET_KEY"\n',
      { mode: 0o755 },
    )
    const run = (env: Record<string, string>) => {
      const r = Bun.spawnSync(
        ['sh', join(DIR, 'entrypoint.sh'), 'serve', '--config', '/etc/byokey/config.yaml'],
        {
          env: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            BYOKEY_SECRETS_DIR: secrets,
            BYOKEY_BIN: bin,
            ...env,
          },
        },
      )
      expect(r.stderr.toString()).toBe('')
      expect(r.exitCode).toBe(0)
      return r.stdout.toString().split('\n')
    }
    expect(run({})).toEqual([
      'serve --config /etc/byokey/config.yaml',
      `postgres://byokey:${s('postgres_password')}@postgres:5432/byokey`,
      `redis://:${s('redis_password')}@redis:6379`,
      s('byokey_admin_key'),
      s('byokey_secret_key'),
      '',
    ])
    const given = run({ BYOKEY_DATABASE_URL: 'postgres://elsewhere/db', REDIS_HOST: 'cache' })
    expect(given[1]).toBe('postgres://elsewhere/db')
    expect(given[2]).toBe(`redis://:${s('redis_password')}@cache:6379`)
  })
})
