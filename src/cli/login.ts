/**
 * `byokey login <provider>`: runs a subscription login (`LOGIN_FLOWS`, shared with the management
 * API) and stores the account. Browser logins always print the URL, open a browser only when a
 * desktop is plausible, and take the redirected URL or code pasted on stdin; device-code logins
 * print a code and count down. Endpoints come from the config's `providers.<id>.oauth` overrides.
 * Tokens are never printed.
 */
import { fstatSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Config } from '../config/schema.ts'
import { OAuthError } from '../oauth/index.ts'
import { KIRO_IDPS, type KiroIdp } from '../providers/kiro/login.ts'
import { LOGIN_FLOWS, LOGIN_PROVIDERS, type LoginProvider } from '../providers/logins.ts'
import type { NewAccount } from '../store/types.ts'
import { accountName } from './account-format.ts'
import { parseCommand, UsageError } from './args.ts'
import { readCommandConfig } from './command-config.ts'
import { COMMAND_HELP } from './help.ts'
import { accountIdArg, noExtraArgs, providerArg } from './provider-arg.ts'
import { withStore } from './store-access.ts'

export { LOGIN_PROVIDERS }

export async function loginCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    config: { type: 'string', short: 'c' },
    db: { type: 'string' },
    account: { type: 'string' },
    label: { type: 'string' },
    'no-browser': { type: 'boolean' },
    // Kiro: log in through Google or GitHub instead of AWS Builder ID
    idp: { type: 'string' },
  })
  if (values.help) {
    console.log(COMMAND_HELP['login'])
    return 0
  }
  const provider = providerArg(positionals[0], 'login')
  if (!(LOGIN_PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(
      `login is not supported for ${provider} yet; supported: ${LOGIN_PROVIDERS.join(', ')} (add an API key with 'byokey add-api-key ${provider} -')`,
    )
  }
  noExtraArgs(positionals, 1, 'login')
  if (values.idp !== undefined && provider !== 'kiro') throw new UsageError('--idp is for kiro only')
  const idp = KIRO_IDPS.find((i) => i.toLowerCase() === values.idp?.toLowerCase())
  if (values.idp !== undefined && !idp)
    throw new UsageError(`--idp takes google or github, not '${values.idp}'`)
  const wanted = values.account === undefined ? undefined : accountIdArg(values.account)

  const config = readCommandConfig(values.config)
  if (!config) return 1

  const stop = new AbortController()
  const onSigint = () => stop.abort()
  process.once('SIGINT', onSigint)
  const paste = pasteReader()
  let account: NewAccount
  try {
    account = await runLogin(provider as LoginProvider, config, {
      signal: stop.signal,
      noBrowser: Boolean(values['no-browser']),
      paste,
      ...(idp ? { idp } : {}),
    })
  } catch (e) {
    const msg = e instanceof OAuthError ? e.message : `${(e as Error).message ?? String(e)}`
    console.error(`byokey login: ${provider} login failed: ${msg}`)
    return 1
  } finally {
    process.off('SIGINT', onSigint)
    paste?.close()
  }
  if (wanted !== undefined) account.accountId = wanted
  if (values.label !== undefined) account.label = values.label

  return await withStore(values.db, { create: true }, (store) => {
    const accounts = store!.accounts
    const existing = accounts.get(account.provider, account.accountId)
    if (existing && existing.kind !== 'oauth') {
      console.error(
        `byokey: ${account.provider} account '${account.accountId}' holds an API key; log in again with another --account, or 'byokey logout ${account.provider} --account ${account.accountId}' first`,
      )
      return 1
    }
    const acc = accounts.upsert(account)
    if (acc.active) {
      console.log(`logged in to ${acc.provider} as ${accountName(acc)} (active)`)
    } else {
      console.log(`logged in to ${acc.provider} as ${accountName(acc)}`)
      console.log(`run 'byokey switch ${acc.provider} ${acc.accountId}' to use it`)
    }
    return 0
  })
}

interface RunOptions {
  signal: AbortSignal
  noBrowser: boolean
  paste: PasteReader | undefined
  /** Kiro's social login instead of AWS Builder ID. */
  idp?: KiroIdp
}

/**
 * Runs the provider's login with what a terminal offers: a browser where a desktop is plausible,
 * pasted lines, and a countdown line for device codes that later lines end.
 */
function runLogin(provider: LoginProvider, config: Config, opts: RunOptions): Promise<NewAccount> {
  const tty = Boolean(process.stdout.isTTY)
  let drawn = false
  const onTick = (left: number) => {
    const m = Math.floor(left / 60)
    const s = String(left % 60).padStart(2, '0')
    process.stdout.write(`\rwaiting for approval… the code expires in ${m}:${s} `)
    drawn = true
  }
  const endLine = () => {
    if (drawn) process.stdout.write('\n')
    drawn = false
  }
  const browser = opts.noBrowser ? undefined : browserOpener()
  return LOGIN_FLOWS[provider](config, {
    print: (line) => {
      endLine()
      console.log(line)
    },
    signal: opts.signal,
    noBrowser: opts.noBrowser,
    ...(tty ? { onTick } : {}),
    ...(browser ? { openBrowser: browser } : {}),
    ...(opts.paste ? { readPastedLine: opts.paste.read } : {}),
    ...(opts.idp ? { idp: opts.idp } : {}),
  }).finally(endLine)
}

/**
 * A way to open a URL when a desktop is plausible: `open` on macOS, `xdg-open` when `DISPLAY` or
 * `WAYLAND_DISPLAY` is set; undefined otherwise (SSH, containers). Failures are only reported.
 */
function browserOpener(): ((url: string) => void) | undefined {
  let cmd: string
  if (process.platform === 'darwin') cmd = 'open'
  else if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) cmd = 'xdg-open'
  else return undefined
  return (url) => {
    try {
      const proc = Bun.spawn([cmd, url], { stdio: ['ignore', 'ignore', 'ignore'] })
      proc.unref()
      void proc.exited.then((code) => {
        if (code !== 0) console.error(`byokey: ${cmd} exited with ${code}; open the URL above yourself`)
      })
    } catch (e) {
      console.error(`byokey: could not start ${cmd} (${(e as Error).message}); open the URL above yourself`)
    }
  }
}

interface PasteReader {
  read: (signal: AbortSignal) => Promise<string | undefined>
  close: () => void
}

/** Lines from stdin when it is a terminal or a pipe (or socket); undefined for /dev/null, files… */
function pasteReader(): PasteReader | undefined {
  let usable = Boolean(process.stdin.isTTY)
  if (!usable) {
    try {
      const st = fstatSync(0)
      usable = st.isFIFO() || st.isSocket()
    } catch {
      usable = false
    }
  }
  if (!usable) return undefined
  let rl: ReturnType<typeof createInterface> | undefined
  const lines: string[] = []
  let closed = false
  let waiter: ((line: string | undefined) => void) | undefined
  const start = () => {
    if (rl) return
    rl = createInterface({ input: process.stdin, terminal: false })
    rl.on('line', (line) => {
      if (waiter) {
        const w = waiter
        waiter = undefined
        w(line)
      } else lines.push(line)
    })
    rl.on('close', () => {
      closed = true
      waiter?.(undefined)
      waiter = undefined
    })
  }
  return {
    read(signal) {
      start()
      const next = lines.shift()
      if (next !== undefined) return Promise.resolve(next)
      if (closed || signal.aborted) return Promise.resolve(undefined)
      return new Promise((resolve) => {
        waiter = resolve
        signal.addEventListener(
          'abort',
          () => {
            if (waiter === resolve) waiter = undefined
            resolve(undefined)
          },
          { once: true },
        )
      })
    },
    close() {
      rl?.close()
      process.stdin.pause()
    },
  }
}
