/** byokey's background commands run in a temp home, and whatever `start` left running stopped afterwards. */
import { existsSync, readFileSync } from 'node:fs'
import { runCli, SOURCE_CMD } from './process.ts'
import type { TempDir } from './tmp.ts'

export interface PidFile {
  pid: number
  url: string
  command: string
  args: string[]
}

/** byokey commands with `dir` as home; stops what `start` left running when disposed, whatever happened. */
export function daemonIn(dir: TempDir, cmd: string[] = SOURCE_CMD) {
  const env = { BYOKEY_HOME: dir.path, HOME: dir.path }
  const pidFile = dir.join('byokey.pid')
  const started = new Set<number>()
  const readPid = (): PidFile => JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile
  return {
    pidFile,
    readPid,
    async run(...args: string[]) {
      const r = await runCli(args, env, cmd)
      if (existsSync(pidFile)) started.add(readPid().pid)
      return r
    },
    async [Symbol.asyncDispose]() {
      if (existsSync(pidFile)) started.add(readPid().pid)
      if ([...started].some(alive)) await runCli(['stop'], env, cmd)
      for (const pid of started) if (alive(pid) && isByokey(pid)) process.kill(pid, 'SIGKILL')
    },
  }
}

export function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== ''
  } catch {
    return false
  }
}

function isByokey(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve')
  } catch {
    return false
  }
}

/** Whether nothing answers HTTP at `url` any more. */
export async function portClosed(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`)
    return false
  } catch {
    return true
  }
}
