/**
 * Which Google Cloud project a Code Assist login's calls name (docs/protocols/gemini-code-assist.md,
 * "Project discovery"), found the way Gemini CLI finds it:
 *
 * 1. `POST <base>/v1internal:loadCodeAssist` with the client's metadata (and the configured project,
 *    if any). An account already set up answers with its current tier and, usually, its project.
 * 2. Otherwise `POST <base>/v1internal:onboardUser` for the default tier (free tier: without a
 *    project, Google creates one), which answers with a long-running operation; it is polled with
 *    `GET <base>/v1internal/<operation name>` until `done`, a bounded number of times.
 *
 * A configured `providers.<id>.project_id` always wins (it is still sent along, so a paid tier is
 * set up on it). The result is stored on the account as
 * `project_id` in its token JSON (the `GoogleToken` shape of `google-oauth.ts`), so the next
 * call does not ask again; when an upstream says the project is gone, the caller drops it and
 * discovers again.
 */
import type { Config } from '../../config/schema.ts'

export const CODE_ASSIST_URL = 'https://cloudcode-pa.googleapis.com'

/** Gemini CLI's client metadata; Antigravity sends its own. */
export const GEMINI_CLI_METADATA: Readonly<Record<string, string>> = {
  ideType: 'IDE_UNSPECIFIED',
  platform: 'PLATFORM_UNSPECIFIED',
  pluginType: 'GEMINI',
}

const FREE_TIER = 'free-tier'
const LEGACY_TIER = 'legacy-tier'

/** A setup call failed; `status` is the HTTP status (a 401 lets the token manager refresh once). */
export class CodeAssistSetupError extends Error {
  override readonly name = 'CodeAssistSetupError'
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

export interface DiscoverProjectOptions {
  /** The Code Assist origin (`https://cloudcode-pa.googleapis.com` or a fake). */
  baseUrl: string
  accessToken: string
  /** For messages (`providers.<provider>.project_id`). */
  provider: string
  /** `providers.<id>.project_id`: sent along, and the answer when Google names none. */
  configuredProject?: string
  /** Default Gemini CLI's. */
  metadata?: Readonly<Record<string, string>>
  /** Extra headers of the client being imitated (user agent…). */
  headers?: Record<string, string>
  /** The onboardUser body for a tier; default Gemini CLI's `{tierId, cloudaicompanionProject?, metadata}`. */
  onboardBody?: (tierId: string, project: string | undefined, metadata: Record<string, string>) => unknown
  /** Wait between operation polls (default 5 s, as Gemini CLI). */
  pollIntervalMs?: number
  /** Polls before giving up (default 24: two minutes). */
  maxPolls?: number
  fetch?: typeof fetch
  signal?: AbortSignal
}

interface Tier {
  id?: unknown
  isDefault?: unknown
  userDefinedCloudaicompanionProject?: unknown
}

/** `cloudaicompanionProject` comes as a string or as `{id, name}`. */
function projectIdOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v
  if (typeof v === 'object' && v !== null) {
    const id = (v as { id?: unknown }).id
    if (typeof id === 'string' && id !== '') return id
  }
  return undefined
}

/** Google's error envelope's message, without echoing anything else of the body. */
function googleMessage(body: unknown): string | undefined {
  const e = (body as { error?: { message?: unknown } } | null)?.error
  return typeof e?.message === 'string' ? e.message : undefined
}

async function call(
  o: DiscoverProjectOptions,
  method: 'POST' | 'GET',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/${path}`
  let res: Response
  try {
    res = await (o.fetch ?? fetch)(url, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...o.headers,
        authorization: `Bearer ${o.accessToken}`,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: o.signal ?? AbortSignal.timeout(30_000),
    })
  } catch (e) {
    throw new CodeAssistSetupError(`Code Assist ${path} failed: ${(e as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = await res.json()
  } catch {
    parsed = undefined
  }
  if (!res.ok) {
    const msg = googleMessage(parsed)
    throw new CodeAssistSetupError(
      `Code Assist ${path} failed with HTTP ${res.status}${msg ? `: ${msg}` : ''}`,
      res.status,
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CodeAssistSetupError(`Code Assist ${path} answered with something other than a JSON object`)
  }
  return parsed as Record<string, unknown>
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        reject(new CodeAssistSetupError('Code Assist setup cancelled'))
      },
      { once: true },
    )
  })
}

/** Finds (or has Google create) the account's project; throws `CodeAssistSetupError`. */
export async function discoverProject(o: DiscoverProjectOptions): Promise<string> {
  const configured = o.configuredProject
  const base = { ...(o.metadata ?? GEMINI_CLI_METADATA) }
  const metadata = configured === undefined ? base : { ...base, duetProject: configured }
  const load = await call(o, 'POST', 'v1internal:loadCodeAssist', {
    ...(configured === undefined ? {} : { cloudaicompanionProject: configured }),
    metadata,
  })
  if (load.currentTier !== undefined && load.currentTier !== null) {
    const found = configured ?? projectIdOf(load.cloudaicompanionProject)
    if (found !== undefined) return found
    throw needsProject(o.provider)
  }

  const tiers = Array.isArray(load.allowedTiers) ? (load.allowedTiers as Tier[]) : []
  const tier = tiers.find((t) => t?.isDefault === true)
  const tierId = typeof tier?.id === 'string' ? tier.id : LEGACY_TIER
  if (tier?.userDefinedCloudaicompanionProject === true && configured === undefined) {
    throw needsProject(o.provider)
  }
  // the free tier gets a project made by Google; the others use the one configured
  const project = tierId === FREE_TIER ? undefined : configured
  const body =
    o.onboardBody?.(tierId, project, metadata) ??
    (project === undefined ? { tierId, metadata } : { tierId, cloudaicompanionProject: project, metadata })
  let op = await call(o, 'POST', 'v1internal:onboardUser', body)
  const maxPolls = o.maxPolls ?? 24
  for (let polls = 0; op.done !== true; polls++) {
    const name = op.name
    if (typeof name !== 'string' || name === '') {
      throw new CodeAssistSetupError(
        'Code Assist onboardUser answered an unfinished operation without a name',
      )
    }
    if (polls >= maxPolls) {
      throw new CodeAssistSetupError(
        `Code Assist onboarding did not finish after ${maxPolls} polls; try the login again later`,
      )
    }
    await sleep(o.pollIntervalMs ?? 5000, o.signal)
    op = await call(o, 'GET', `v1internal/${name}`)
  }
  const created = projectIdOf(
    (op.response as { cloudaicompanionProject?: unknown } | undefined)?.cloudaicompanionProject,
  )
  const found = configured ?? created
  if (found === undefined) throw needsProject(o.provider)
  return found
}

function needsProject(provider: string): CodeAssistSetupError {
  return new CodeAssistSetupError(
    `this Google account's Code Assist tier needs a Google Cloud project: set providers.${provider}.project_id`,
  )
}

/** The project a call names: the configured one, else the one stored on the account; undefined: discover. */
export function projectFor(
  config: Config,
  provider: string,
  token: Record<string, unknown>,
): string | undefined {
  const configured = config.providers[provider]?.project_id
  if (configured !== undefined) return configured
  const stored = token.project_id
  return typeof stored === 'string' && stored !== '' ? stored : undefined
}
