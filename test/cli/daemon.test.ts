/**
 * `start`, `stop`, `restart` and `status` against a real background server: one server per
 * folder, a pid file nobody else's process is ever signalled through, and a graceful stop.
 */

import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import pkg from '../../package.json' with { type: 'json' }
import { alive, daemonIn, portClosed } from '../helpers/daemon.ts'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { runCli } from '../helpers/process.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

function modeOf(path: string): number {
  return statSync(path).mode & 0o777
}

/** A process that is not byokey, for pid files that point at someone else. */
function otherProcess() {
  const proc = Bun.spawn(['sleep', '300'], { stdio: ['ignore', 'ignore', 'ignore'] })
  return {
    pid: proc.pid,
    alive: () => proc.exitCode === null && alive(proc.pid),
    [Symbol.dispose]: () => proc.kill('SIGKILL'),
  }
}

describe('byokey start / stop / restart', () => {
  test('start runs one background server, status describes it, stop closes its port and removes the pid file', async () => {
    using dir = tempDir()
    writeFileSync(dir.join('config.yaml'), 'port: 0\n')
    await using d = daemonIn(dir)
    const r = await d.run('start', '-c', dir.join('config.yaml'))
    expect(r.code).toBe(0)
    const url = /byokey is running at (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/.exec(r.stdout)
    expect(url).not.toBeNull()
    expect(r.stdout).toContain(`logs: ${dir.join('byokey.log')}`)
    const rec = d.readPid()
    expect(rec.pid).toBe(Number(url![2]))
    expect(rec.url).toBe(url![1]!)
    expect(rec.command).toContain('serve')
    expect(modeOf(d.pidFile)).toBe(0o600)
    expect(modeOf(dir.join('byokey.log'))).toBe(0o600)
    expect((await fetch(`${rec.url}/readyz`)).status).toBe(200)
    // detached: its own session, so the caller's terminal signals do not reach it
    const stat = readFileSync(`/proc/${rec.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    expect(Number(fields[3])).toBe(rec.pid) // session id = its own pid

    const again = await d.run('start', '-c', dir.join('config.yaml'))
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`byokey is already running (pid ${rec.pid}, ${rec.url})`)
    expect(d.readPid().pid).toBe(rec.pid)
    const listening = readFileSync(dir.join('byokey.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"byokey listening"'))
    expect(listening.length).toBe(1)

    const status = await d.run('status')
    expect(status.stdout).toContain(`server: running (pid ${rec.pid}, ${rec.url})`)
    expect(status.stdout).toMatch(
      new RegExp(`^  version ${pkg.version}, up [0-9dhms ]+, config ${dir.join('config.yaml')}$`, 'm'),
    )
    const json = JSON.parse((await d.run('status', '--json')).stdout) as { server: Record<string, unknown> }
    expect(json.server).toMatchObject({
      running: true,
      pid: rec.pid,
      url: rec.url,
      version: pkg.version,
      config_file: dir.join('config.yaml'),
    })
    expect(typeof json.server['uptime_s']).toBe('number')
    expect(typeof json.server['started_at']).toBe('string')

    const stop = await d.run('stop')
    expect(stop.code).toBe(0)
    expect(stop.stdout).toContain(`byokey stopped (pid ${rec.pid})`)
    expect(await portClosed(rec.url)).toBe(true)
    expect(alive(rec.pid)).toBe(false)
    expect(existsSync(d.pidFile)).toBe(false)
    expect(readFileSync(dir.join('byokey.log'), 'utf8')).toContain('"msg":"stopped"')

    const nothing = await d.run('stop')
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toContain('byokey is not running')
  })

  test('two starts at once: one server, the other start refuses', async () => {
    using dir = tempDir()
    await using d = daemonIn(dir)
    const [a, b] = await Promise.all([d.run('start', '-p', '0'), d.run('start', '-p', '0')])
    expect([a.code, b.code].sort()).toEqual([0, 1])
    const loser = a.code === 1 ? a : b
    expect(loser.stderr).toMatch(/byokey is already (starting or )?running/)
    const rec = d.readPid()
    expect((await fetch(`${rec.url}/readyz`)).status).toBe(200)
    const listening = readFileSync(dir.join('byokey.log'), 'utf8').split('"byokey listening"').length - 1
    expect(listening).toBe(1)
    expect((await d.run('stop')).code).toBe(0)
  })

  test('stop lets an in-flight request finish and writes its usage row', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({
      text: 'finished anyway',
      headersDelayMs: 800,
      usage: { input: 7, output: 2 },
    })
    writeFileSync(
      dir.join('config.yaml'),
      `port: 0\nmodel_lists: { enabled: false }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    await using d = daemonIn(dir)
    expect((await d.run('start', '-c', dir.join('config.yaml'))).code).toBe(0)
    const { url } = d.readPid()
    const pending = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
    })
    await waitFor(() => up.requests.length === 1, 5000)
    const stop = await d.run('stop')
    expect(stop.code).toBe(0)
    const res = await pending
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
    ).toBe('finished anyway')
    const db = new Database(dir.join('byokey.db'), { readonly: true })
    expect(db.query('SELECT model, input_tokens, output_tokens FROM usage_records').all()).toEqual([
      { model: 'm', input_tokens: 7, output_tokens: 2 },
    ])
    db.close()
  })

  test('stop falls back to SIGTERM on the pid file process when the control socket is gone', async () => {
    using dir = tempDir()
    await using d = daemonIn(dir)
    expect((await d.run('start', '-p', '0')).code).toBe(0)
    const rec = d.readPid()
    rmSync(dir.join('byokey.sock'))
    const stop = await d.run('stop')
    expect(stop.code).toBe(0)
    expect(alive(rec.pid)).toBe(false)
    expect(await portClosed(rec.url)).toBe(true)
    expect(existsSync(d.pidFile)).toBe(false)
    expect(readFileSync(dir.join('byokey.log'), 'utf8')).toContain('"reason":"SIGTERM"')
  })

  test('a stale pid file naming another program: stop and start remove it and leave that process alive', async () => {
    using dir = tempDir()
    using other = otherProcess()
    await using d = daemonIn(dir)
    // BYOKEY's bare-pid format, and ours with a recorded byokey command line
    for (const content of [
      `${other.pid}\n`,
      JSON.stringify({ pid: other.pid, command: 'byokey serve --port 8018' }),
    ]) {
      writeFileSync(d.pidFile, content)
      const stop = await d.run('stop')
      expect(stop.code).toBe(1)
      expect(stop.stderr).toContain(
        `removed stale pid file ${d.pidFile} (pid ${other.pid} is another program now`,
      )
      expect(existsSync(d.pidFile)).toBe(false)
      expect(other.alive()).toBe(true)
    }
    writeFileSync(d.pidFile, `${other.pid}\n`)
    const start = await d.run('start', '-p', '0')
    expect(start.code).toBe(0)
    expect(start.stderr).toContain('removed stale pid file')
    expect(d.readPid().pid).not.toBe(other.pid)
    expect((await d.run('stop')).code).toBe(0)
    expect(other.alive()).toBe(true)
  })

  test('a dead pid in the pid file is cleaned up with a message', async () => {
    using dir = tempDir()
    await using d = daemonIn(dir)
    const gone = Bun.spawn(['true'])
    await gone.exited
    writeFileSync(d.pidFile, JSON.stringify({ pid: gone.pid }))
    const stop = await d.run('stop')
    expect(stop.code).toBe(1)
    expect(stop.stderr).toContain(`(pid ${gone.pid} is not running)`)
    expect(existsSync(d.pidFile)).toBe(false)
  })

  test('restart keeps the options the server was started with; new options replace them', async () => {
    using dir = tempDir()
    writeFileSync(dir.join('config.yaml'), 'port: 0\n')
    await using d = daemonIn(dir)
    const logFile = dir.join('logs', 'custom.log')
    expect((await d.run('start', '-c', dir.join('config.yaml'), '--log-file', logFile)).code).toBe(0)
    const first = d.readPid()
    const r = await d.run('restart')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`byokey stopped (pid ${first.pid})`)
    const second = d.readPid()
    expect(second.pid).not.toBe(first.pid)
    expect(second.args).toEqual(first.args)
    expect(alive(first.pid)).toBe(false)
    const status = JSON.parse((await d.run('status', '--json')).stdout) as { server: Record<string, unknown> }
    expect(status.server).toMatchObject({ pid: second.pid, config_file: dir.join('config.yaml') })
    expect(readFileSync(logFile, 'utf8').split('"byokey listening"').length).toBe(3)

    expect((await d.run('restart', '--log-level', 'warn', '-p', '0')).code).toBe(0)
    expect(d.readPid().args).toContain('warn')
    expect(d.readPid().args).not.toContain(dir.join('config.yaml'))
  })

  test("without --log-file, start logs to the config's log.file", async () => {
    using dir = tempDir()
    const logFile = dir.join('var', 'gateway.log')
    writeFileSync(dir.join('config.yaml'), `port: 0\nlog:\n  file: ${logFile}\n`)
    await using d = daemonIn(dir)
    const r = await d.run('start')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`logs: ${logFile}`)
    // the rotating log file is written off the main thread: the line may land just after /readyz answers
    await waitFor(
      () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('"byokey listening"'),
      5000,
    )
    expect(existsSync(dir.join('byokey.log'))).toBe(false)
  })

  test('a server that cannot start: exit 1 with the end of its log, no pid file, nothing left running', async () => {
    using dir = tempDir()
    writeFileSync(dir.join('config.yaml'), 'port: 0\nlog:\n  level: shouting\n')
    await using d = daemonIn(dir)
    const r = await d.run('start', '-c', dir.join('config.yaml'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('the server did not start (it exited)')
    expect(r.stderr).toContain(`${dir.join('config.yaml')}:3: log.level:`)
    expect(existsSync(d.pidFile)).toBe(false)
  })

  test('start and restart have help with examples; stop takes no arguments', async () => {
    for (const name of ['start', 'stop', 'restart']) {
      const r = await runCli([name, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(`Usage: byokey ${name}`)
      expect(r.stdout).toContain('Examples:')
    }
    expect((await runCli(['stop', 'now'])).code).toBe(2)
    expect((await runCli(['start', '--port', 'x'])).code).toBe(2)
  })
})
