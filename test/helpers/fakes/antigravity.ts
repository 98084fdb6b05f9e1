/**
 * Fake Antigravity backend (docs/protocols/antigravity.md): the Code Assist fake (`fakeGemini`
 * with `codeAssist`) that also refuses, with Google's 400, a generation call whose envelope or
 * headers differ from what Antigravity's IDE sends: `model` without `ag-`, the account's
 * `project`, `requestId: agent-<uuid>`, `userAgent: antigravity`, `requestType: agent`, a
 * numeric `request.sessionId`, no `safetySettings`, `functionCallingConfig.mode: VALIDATED` for
 * Claude with tools, and `User-Agent: antigravity/<version> <os>/<arch>`. Claude models answer
 * with Claude's signatures on thought parts and refuse thought parts they did not sign.
 */
import {
  type CodeAssistOptions,
  type FakeGeminiOptions,
  fakeGemini,
  type GeminiFake,
  googleError,
} from './gemini.ts'
import { isObject, type Script } from './script.ts'
import type { Recorded } from './server.ts'

export interface FakeAntigravityOptions {
  /**
   * The account's project, which loadCodeAssist reports and every call must name; default
   * `fake-ag-project`; `null`: not set up yet (onboardUser creates `codeAssist.onboardedProject`).
   */
  project?: string | null
  /** Bearer token the fake accepts; default any. */
  token?: string
  codeAssist?: Omit<CodeAssistOptions, 'project'>
  gemini?: Omit<FakeGeminiOptions, 'codeAssist' | 'checkCodeAssist' | 'claudeThinking' | 'key'>
}

const REQUEST_ID = /^agent-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const USER_AGENT = /^antigravity\/\d+\.\d+\.\d+ [a-z0-9]+\/[a-z0-9_]+$/

/**
 * What is wrong with one generation call, in the words of the 400 the fake answers; null when
 * nothing. (Whether `project` is the account's the Code Assist fake checks: 403.)
 */
export function antigravityProblem(rec: Recorded): string | null {
  const ua = rec.headers['user-agent'] ?? ''
  if (!USER_AGENT.test(ua)) return `User-Agent '${ua}' is not Antigravity's`
  const env = rec.body
  if (!isObject(env)) return 'the body is not an envelope'
  const model = env['model']
  if (typeof model !== 'string' || model === '' || model.startsWith('ag-'))
    return `model '${String(model)}' is not an upstream name`
  if (typeof env['project'] !== 'string' || env['project'] === '') return 'project is missing'
  if (typeof env['requestId'] !== 'string' || !REQUEST_ID.test(env['requestId']))
    return `requestId '${String(env['requestId'])}' is not agent-<uuid>`
  if (env['userAgent'] !== 'antigravity') return `userAgent '${String(env['userAgent'])}' is not antigravity`
  if (env['requestType'] !== 'agent') return `requestType '${String(env['requestType'])}' is not agent`
  const inner = env['request']
  if (!isObject(inner)) return 'request is missing'
  if (typeof inner['sessionId'] !== 'string' || !/^-?\d+$/.test(inner['sessionId']))
    return `request.sessionId '${String(inner['sessionId'])}' is not numeric`
  if ('safetySettings' in inner || 'safety_settings' in inner) return 'safetySettings are not accepted'
  if (model.startsWith('claude-') && Array.isArray(inner['tools']) && inner['tools'].length > 0) {
    const tc = inner['toolConfig']
    const fc = isObject(tc) ? tc['functionCallingConfig'] : undefined
    if (!isObject(fc) || fc['mode'] !== 'VALIDATED')
      return 'Claude tools need functionCallingConfig.mode VALIDATED'
  }
  return null
}

export function fakeAntigravity(script: Script, opts: FakeAntigravityOptions = {}): GeminiFake {
  const project = opts.project === undefined ? 'fake-ag-project' : opts.project
  return fakeGemini(script, {
    ...opts.gemini,
    ...(opts.token !== undefined ? { key: opts.token } : {}),
    codeAssist: { ...opts.codeAssist, project, requireProject: true },
    claudeThinking: true,
    checkCodeAssist: (rec) => {
      const method = /^\/v1internal:(\w+)$/.exec(rec.path)?.[1]
      if (method !== 'generateContent' && method !== 'streamGenerateContent') return undefined
      const problem = antigravityProblem(rec)
      return problem
        ? googleError(400, `Invalid Antigravity request: ${problem}`, 'INVALID_ARGUMENT')
        : undefined
    },
  })
}
