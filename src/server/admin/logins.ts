/**
 * Logins started through the management API: each runs in the background while a UI polls it
 * for the prompt (the authorize URL, or the device code and where to enter it) and the outcome.
 * The account is stored as `byokey login` stores it. One registry per gateway; finished logins
 * are forgotten after a while, and only a few may wait at once.
 */
import type { ConfigSnapshot } from '../../config/snapshot.ts'
import { HttpError } from '../../gateway/http-error.ts'
import type { Logger } from '../../log.ts'
import { type LoginPrompt, OAuthError } from '../../oauth/index.ts'
import { LOGIN_FLOWS, LOGIN_PROVIDERS, type LoginProvider } from '../../providers/logins.ts'
import type { AccountStore } from '../../store/types.ts'

export type LoginStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled'

export interface LoginView {
  id: string
  provider: string
  status: LoginStatus
  /** What the user must do; present once the flow knows it. */
  prompt: PromptJson | null
  /** What the CLI would have printed, for flows that say more than their prompt. */
  messages: string[]
  /** The stored account (id and label), once it succeeded. */
  account: { id: string; label: string | null; active: boolean } | null
  error: string | null
  started_at: string
}

type PromptJson =
  | { kind: 'auth_url'; url: string }
  | {
      kind: 'device_code'
      verification_uri: string
      user_code: string
      verification_uri_complete: string | null
      expires_at: string
    }

function promptJson(p: LoginPrompt): PromptJson {
  if (p.kind === 'auth_url') return p
  return {
    kind: 'device_code',
    verification_uri: p.verificationUri,
    user_code: p.userCode,
    verification_uri_complete: p.verificationUriComplete ?? null,
    expires_at: new Date(p.expiresAt).toISOString(),
  }
}

interface Session {
  view: LoginView
  stop: AbortController
  pasted: string[]
  waiter: ((line: string | undefined) => void) | undefined
  endedAt?: number
}

/** Logins waiting for their user at once; more are refused (each holds a callback port or a poll). */
const MAX_PENDING = 4
/** How long a finished login stays readable. */
const KEEP_FINISHED_MS = 10 * 60_000

export class LoginSessions {
  readonly #sessions = new Map<string, Session>()

  constructor(
    private readonly accounts: AccountStore,
    private readonly log: Logger,
    /** Hears each account a login stored (to tell the other instances). */
    private readonly onStored?: (provider: string) => void,
  ) {}

  /** Providers a login can be started for. */
  static get providers(): string[] {
    return [...LOGIN_PROVIDERS]
  }

  start(provider: string, snap: ConfigSnapshot, wanted: { account?: string; label?: string }): LoginView {
    this.#forgetOld()
    const flow = Object.hasOwn(LOGIN_FLOWS, provider) ? LOGIN_FLOWS[provider as LoginProvider] : undefined
    if (!flow) {
      throw new HttpError(
        'invalid_request',
        `No login for '${provider}'; logins: ${LoginSessions.providers.join(', ')}`,
        { param: 'provider', code: 'unknown_provider' },
      )
    }
    const pending = [...this.#sessions.values()].filter((s) => s.view.status === 'pending').length
    if (pending >= MAX_PENDING) {
      throw new HttpError('rate_limit', `${pending} logins are already waiting; finish or cancel one first`, {
        code: 'too_many_logins',
      })
    }
    const s: Session = {
      view: {
        id: `login_${crypto.randomUUID().replaceAll('-', '')}`,
        provider,
        status: 'pending',
        prompt: null,
        messages: [],
        account: null,
        error: null,
        started_at: new Date().toISOString(),
      },
      stop: new AbortController(),
      pasted: [],
      waiter: undefined,
    }
    this.#sessions.set(s.view.id, s)
    const readPastedLine = (signal: AbortSignal) =>
      new Promise<string | undefined>((resolve) => {
        const line = s.pasted.shift()
        if (line !== undefined) return resolve(line)
        s.waiter = resolve
        signal.addEventListener('abort', () => resolve(undefined), { once: true })
      })
    flow(snap.config, {
      print: (line) => s.view.messages.push(line),
      prompt: (p) => {
        s.view.prompt = promptJson(p)
      },
      signal: s.stop.signal,
      readPastedLine,
    })
      .then((account) => {
        if (wanted.account !== undefined) account.accountId = wanted.account
        if (wanted.label !== undefined) account.label = wanted.label
        const existing = this.accounts.get(account.provider, account.accountId)
        if (existing && existing.kind !== 'oauth') {
          this.#end(
            s,
            'failed',
            `${account.provider} account '${account.accountId}' holds an API key; log in with another account id`,
          )
          return
        }
        const stored = this.accounts.upsert(account)
        this.onStored?.(stored.provider)
        s.view.account = { id: stored.accountId, label: stored.label ?? null, active: stored.active }
        this.#end(s, 'succeeded')
        this.log.info(
          { provider, account: stored.accountId },
          'login through the management API stored an account',
        )
      })
      .catch((e: unknown) => {
        if (s.view.status !== 'pending') return
        const message = e instanceof OAuthError ? e.message : 'the login failed; see the server log'
        if (!(e instanceof OAuthError))
          this.log.warn({ err: e, provider }, 'login through the management API failed')
        this.#end(s, 'failed', message)
      })
    return s.view
  }

  get(id: string): LoginView {
    return this.#session(id).view
  }

  /** Hands the login the redirected URL (or code) the user pasted. */
  paste(id: string, line: string): LoginView {
    const s = this.#session(id)
    if (s.view.status !== 'pending') {
      throw new HttpError('invalid_request', `The login is ${s.view.status}`, { code: 'login_finished' })
    }
    const w = s.waiter
    s.waiter = undefined
    if (w) w(line)
    else s.pasted.push(line)
    return s.view
  }

  cancel(id: string): LoginView {
    const s = this.#session(id)
    if (s.view.status === 'pending') {
      this.#end(s, 'cancelled', 'cancelled')
      s.stop.abort()
    }
    return s.view
  }

  /** Stops every waiting login (shutdown). */
  close(): void {
    for (const s of this.#sessions.values()) if (s.view.status === 'pending') this.cancel(s.view.id)
  }

  #session(id: string): Session {
    const s = this.#sessions.get(id)
    if (!s) throw new HttpError('not_found', `No login '${id.slice(0, 80)}'`, { code: 'login_not_found' })
    return s
  }

  #end(s: Session, status: LoginStatus, error?: string): void {
    s.view.status = status
    s.view.error = error ?? null
    s.endedAt = Date.now()
  }

  #forgetOld(): void {
    const now = Date.now()
    for (const [id, s] of this.#sessions) {
      if (s.endedAt !== undefined && now - s.endedAt > KEEP_FINISHED_MS) this.#sessions.delete(id)
    }
  }
}
