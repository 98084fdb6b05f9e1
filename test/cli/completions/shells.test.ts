/** The completion scripts load in real shells and complete real words. */
import { describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { runCli, SOURCE_CMD } from '../../helpers/process.ts'
import { type TempDir, tempDir } from '../../helpers/tmp.ts'

/** A `byokey` on PATH that runs the source, as `source <(byokey completions bash)` needs. */
function byokeyOnPath(dir: TempDir): Record<string, string> {
  const bin = dir.join('byokey')
  writeFileSync(bin, `#!/bin/sh\nexec ${SOURCE_CMD.map((p) => `'${p}'`).join(' ')} "$@"\n`)
  chmodSync(bin, 0o755)
  return { PATH: `${dir.path}:${process.env['PATH']}`, HOME: dir.path }
}

async function sh(cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}

/** The script for `shell` saved as `name`, after checking that the shell parses it (`-n`). */
async function parsedScript(dir: TempDir, shell: 'fish' | 'zsh', name: string, env: Record<string, string>) {
  const script = await runCli(['completions', shell])
  const file = dir.join(name)
  writeFileSync(file, script.stdout)
  expect((await sh([shell, '-n', file], env)).code).toBe(0)
}

/** Runs `_byokey` on a command line (the last word is the one completed) and returns COMPREPLY. */
function bashComplete(words: string[]): string {
  const quoted = words.map((w) => `'${w}'`).join(' ')
  return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _byokey; echo "\${COMPREPLY[*]}"`
}

// CI installs zsh and fish (.ci/run); elsewhere their checks run where the shell exists.
const missing = (shell: string) => !Bun.which(shell) && !process.env['CI']

describe('shell completions', () => {
  test('bash: the script loads, registers _byokey and completes commands, providers, options, files', async () => {
    using dir = tempDir()
    const env = byokeyOnPath(dir)
    writeFileSync(dir.join('my-config.yaml'), 'port: 8018\n')
    const script = [
      'source <(byokey completions bash) || exit 9',
      'complete -p byokey',
      bashComplete(['byokey', 'lo']),
      bashComplete(['byokey', 'login', 'c']),
      bashComplete(['byokey', 'logout', '--db', 'x.db', 'co']),
      bashComplete(['byokey', 'serve', '--log-l']),
      bashComplete(['byokey', 'serve', '-c', `${dir.path}/my-`]),
      bashComplete(['byokey', 'config', '']),
      bashComplete(['byokey', 'serve', '--port', '']),
    ].join('\n')
    const r = await sh(['bash', '-c', script], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').slice(0, 8)).toEqual([
      'complete -F _byokey byokey',
      'login logout',
      'claude codex copilot',
      'codex copilot',
      '--log-level',
      `${dir.path}/my-config.yaml`,
      'check',
      '',
    ])
  })

  test('bash: every command of the main help completes', async () => {
    using dir = tempDir()
    const help = await runCli(['--help'])
    const section = /^Commands:\n((?: .*\n)*)/m.exec(help.stdout)?.[1] ?? ''
    const listed = [...section.matchAll(/^ {2}([a-z][a-z0-9-]*)(?: [a-z|-]+)? {2,}\S/gm)].map((m) => m[1]!)
    expect(listed).toContain('serve')
    expect(listed).toContain('completions')
    const r = await sh(
      ['bash', '-c', `source <(byokey completions bash)\n${bashComplete(['byokey', ''])}`],
      byokeyOnPath(dir),
    )
    const offered = r.stdout.trim().split(' ')
    for (const name of listed) expect(offered).toContain(name)
  })

  test.skipIf(missing('fish'))(
    'fish: the script parses and completes commands, providers, options',
    async () => {
      using dir = tempDir()
      const env = byokeyOnPath(dir)
      await parsedScript(dir, 'fish', 'byokey.fish', env)
      const r = await sh(
        [
          'fish',
          '-c',
          `byokey completions fish | source; complete -C "byokey lo"; echo ==; complete -C "byokey accounts co"; echo ==; complete -C "byokey serve --conf"; echo ==; complete -C "byokey stat"`,
        ],
        env,
      )
      expect(r.code).toBe(0)
      const [commands, providers, options, quoted] = r.stdout.split('==\n')
      expect(commands).toContain('login\tLog in to a subscription')
      expect(commands).toContain('logout\t')
      expect(providers!.trim().split('\n')).toEqual(['codex', 'copilot'])
      expect(options).toContain('--config\tConfig file')
      expect(quoted).toBe("status\tShow whether the gateway runs and each provider's login state\n")
    },
  )

  test.skipIf(missing('zsh'))('zsh: the script parses and registers with compinit', async () => {
    using dir = tempDir()
    const env = { ...byokeyOnPath(dir), ZDOTDIR: dir.path }
    await parsedScript(dir, 'zsh', '_byokey', env)
    const sourced = await sh(
      [
        'zsh',
        '-fc',
        'autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump" && source <(byokey completions zsh) && print -r -- "$_comps[byokey]"',
      ],
      env,
    )
    expect(sourced.stderr).toBe('')
    expect(sourced.stdout.trim()).toBe('_byokey')
    // installed the usual way: a file named _byokey in $fpath, autoloaded by compinit
    const autoload = await sh(
      [
        'zsh',
        '-fc',
        `fpath=(${dir.path} $fpath); autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump" && print -r -- "$_comps[byokey]"`,
      ],
      env,
    )
    expect(autoload.stdout.trim()).toBe('_byokey')
    // the command list, as zsh reads it: quotes inside descriptions survive
    const script = (await runCli(['completions', 'zsh'])).stdout
    const list = /commands=\(\n([\s\S]*?)\n {2}\)/.exec(script)?.[1] ?? ''
    const read = await sh(['zsh', '-fc', `a=(\n${list}\n); print -rl -- $a`], env)
    expect(read.stdout).toContain("status:Show whether the gateway runs and each provider's login state\n")
    expect(read.stdout).toContain('doctor:Check config, database, port, accounts and clock\n')
  })

  test('an unknown shell is a usage error', async () => {
    const r = await runCli(['completions', 'powershell'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("(got 'powershell')")
  })
})
