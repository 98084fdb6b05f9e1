/**
 * The upstream answers that mean "this account will not work again by waiting": a tier that
 * ended, an account that was suspended, a login client the provider revoked. A rate limit heals,
 * these do not, so an account that gets one is marked `unavailable` instead of cooling down
 * (docs/accounts.md, "Accounts whose provider gave up").
 *
 * Keyed by provider id, so a provider folder that lands later finds its entries here; `*` holds
 * the answers any provider may give. `providers.<id>.dead_answers` adds entries from the config.
 * Matching runs on error answers and failed refreshes only, never on a request that went well.
 */
import type { Config } from '../../config/schema.ts'
import { AccountUnavailableError, OAuthError } from '../../oauth/index.ts'

/** Where an answer came from: an API call (generation, token count) or a token refresh. */
export type DeadAnswerSource = 'api' | 'refresh'

export interface DeadAnswer {
  on: DeadAnswerSource
  /** The HTTP statuses it comes with; absent: any error status. */
  status?: readonly number[]
  /**
   * Lower-case phrases that must all be in the answer: the body of an API error, or the OAuth
   * error code and message of a failed refresh.
   */
  contains: readonly string[]
  /** What it means, in our words. */
  meaning: string
  /** What the user can do about it. */
  advice: string
}

/** What a matching answer says about the account, for the mark, the log and the client. */
export interface DeadVerdict {
  meaning: string
  advice: string
}

const FREE_TIER_ENDED = 'the upstream says the free tier this account used has ended'
const PAID_INSTEAD = 'use a paid plan or an API key of the provider instead'

/** Every provider: wording that can only mean the service is over for this account. */
const ANY: readonly DeadAnswer[] = [
  // from the API or from the token endpoint (Copilot's token exchange quotes GitHub's message).
  // Not "no longer available": upstreams say that of a single model retired from a free tier.
  ...(['api', 'refresh'] as const).flatMap((on) =>
    ['discontinued', 'has ended', 'has been ended'].map(
      (ending): DeadAnswer => ({
        on,
        contains: ['free tier', ending],
        meaning: FREE_TIER_ENDED,
        advice: PAID_INSTEAD,
      }),
    ),
  ),
  // RFC 6749 §5.2: the authorization server no longer knows or allows the client byokey logs in
  // as (Google answers "The OAuth client was deleted."); no retry and no new login can fix it.
  ...['invalid_client', 'unauthorized_client'].map(
    (code): DeadAnswer => ({
      on: 'refresh',
      contains: [code],
      meaning: 'the provider no longer accepts the OAuth client byokey logs in with',
      advice:
        'a newer byokey may carry the new client id; providers.<id>.oauth.client_id can set one meanwhile',
    }),
  ),
]

/** Per provider id; the facts are in docs/accounts.md, "Accounts whose provider gave up". */
export const DEAD_ANSWERS: Readonly<Record<string, readonly DeadAnswer[]>> = {
  '*': ANY,
  claude: [
    // Anthropic's refusal of a subscription token outside Claude Code: no other account of the
    // same kind fares better, but each is marked when it is refused.
    {
      on: 'api',
      contains: ['only authorized for use with claude code'],
      meaning: 'Anthropic refuses this subscription login outside Claude Code',
      advice: 'use an Anthropic API key (providers.claude.api_key) instead',
    },
    // The organisation behind the login (or key) was switched off by Anthropic.
    {
      on: 'api',
      contains: ['organization has been disabled'],
      meaning: "Anthropic disabled the account's organization",
      advice: 'ask Anthropic support, or log in with another account',
    },
  ],
  codex: [
    // OpenAI's error code for an account it closed.
    {
      on: 'api',
      contains: ['account_deactivated'],
      meaning: 'OpenAI deactivated this account',
      advice: 'log in with another ChatGPT account',
    },
  ],
  qwen: [
    // The OAuth free tier ended on 2026-04-15; Qwen Code's notice calls it "discontinued".
    {
      on: 'api',
      contains: ['qwen oauth', 'discontinued'],
      meaning: "Qwen's OAuth free tier has ended",
      advice: "use Alibaba Cloud's paid coding plan or another provider",
    },
  ],
  iflow: [
    // iFlow blocks the API key of an account it saw used by other tools (status 434/438 in the
    // body); the iFlow CLI service itself shut down on 2026-04-17.
    {
      on: 'api',
      contains: ['access to the current ak has been blocked'],
      meaning: "iFlow blocked this account's API key",
      advice: 'iFlow CLI has shut down; remove the account with `byokey logout iflow <account>`',
    },
  ],
  gemini: [
    // Code Assist's individual tier refuses clients other than Antigravity (`UNSUPPORTED_CLIENT`,
    // "no longer supported for Gemini Code Assist for individuals").
    {
      on: 'api',
      contains: ['unsupported_client'],
      meaning: 'Google no longer serves this client on the individual Code Assist tier',
      advice: 'log in to Antigravity (`byokey login antigravity`) or use a Gemini API key',
    },
    {
      on: 'api',
      contains: ['no longer supported for gemini code assist'],
      meaning: 'Google no longer serves this client on the individual Code Assist tier',
      advice: 'log in to Antigravity (`byokey login antigravity`) or use a Gemini API key',
    },
    // The account (its region, or its organisation's policy) may not use the individual tier.
    {
      on: 'api',
      status: [403],
      contains: ['not eligible for gemini code assist'],
      meaning: 'Google says this account is not eligible for Gemini Code Assist',
      advice: 'use a Gemini API key, or an account that is eligible',
    },
    {
      on: 'api',
      status: [403],
      contains: ['restricted from using gemini code assist'],
      meaning: "the account's organization does not allow Gemini Code Assist for individuals",
      advice: 'ask the organization admin, or use a Gemini API key',
    },
  ],
  antigravity: [
    {
      on: 'api',
      status: [403],
      contains: ['not eligible for gemini code assist'],
      meaning: 'Google says this account is not eligible for Antigravity',
      advice: 'use another Google account, or a Gemini API key',
    },
  ],
  kiro: [
    // AWS suspends Kiro accounts it sees used heavily by automation (403 AccessDeniedException,
    // "Your User ID (…) temporarily is suspended"); only AWS support lifts it.
    {
      on: 'api',
      contains: ['temporarily is suspended'],
      meaning: 'AWS suspended this Kiro account',
      advice: 'ask Kiro support to restore it, then `byokey login kiro`',
    },
  ],
}

/** The answers to look for on `provider`: its own, the config's, then everyone's. */
function answersFor(provider: string, config: Config): DeadAnswer[] {
  const fromConfig = (config.providers[provider]?.dead_answers ?? []).map(
    (a): DeadAnswer => ({
      on: a.on,
      ...(a.status ? { status: a.status } : {}),
      contains: a.contains.map((c) => c.toLowerCase()),
      meaning: a.meaning ?? 'the upstream says this account no longer works',
      advice: a.advice ?? 'log in with another account',
    }),
  )
  return [...(DEAD_ANSWERS[provider] ?? []), ...fromConfig, ...ANY]
}

/**
 * Whether an error answer means the account is done for. `text`: the API error's body, or a
 * failed refresh's OAuth code and message; `status`: its HTTP status, when there was one.
 */
export function deadAnswerOf(
  provider: string,
  on: DeadAnswerSource,
  status: number | undefined,
  text: string,
  config: Config,
): DeadVerdict | undefined {
  if (text === '') return undefined
  const lower = text.toLowerCase()
  for (const a of answersFor(provider, config)) {
    if (a.on !== on) continue
    if (a.status && (status === undefined || !a.status.includes(status))) continue
    if (a.contains.every((c) => lower.includes(c))) return { meaning: a.meaning, advice: a.advice }
  }
  return undefined
}

/** The words an unavailable account is marked with: what happened, what the upstream said, what to do. */
export function unavailableReason(provider: string, verdict: DeadVerdict, upstreamSaid: string): string {
  const said = upstreamSaid.replace(/\s+/g, ' ').trim().slice(0, 300)
  return `${verdict.meaning} (upstream: "${said}"); ${verdict.advice}; \`byokey login ${provider}\` clears the mark`
}

/**
 * A failed refresh as the error the token manager acts on: `AccountUnavailableError` when the
 * answer means the account is done for, else the error as it was.
 */
export function deadRefreshError(provider: string, accountId: string, e: unknown, config: Config): unknown {
  if (!(e instanceof OAuthError)) return e
  const verdict = deadAnswerOf(provider, 'refresh', e.status, `${e.code} ${e.message}`, config)
  if (!verdict) return e
  return new AccountUnavailableError(provider, accountId, unavailableReason(provider, verdict, e.message))
}
