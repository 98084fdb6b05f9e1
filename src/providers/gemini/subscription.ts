/**
 * Calls with a gemini login (docs/protocols/gemini-code-assist.md, "Calls"): the Gemini body in
 * the Code Assist envelope naming the account's project, to `v1internal:generateContent` or
 * `:streamGenerateContent?alt=sse`, with the Bearer token and Gemini CLI's user agent. The
 * project comes from the config or the account (`LoginSetup`, found again when the upstream
 * says it is gone).
 */
import { wrapCodeAssistRequest } from '../../dialects/gemini/code-assist.ts'
import { baseHeaders } from '../shared/endpoints.ts'
import { projectLoginSetup } from '../shared/project-setup.ts'
import type { LoginSetup, PreparedRequest, UpstreamCall } from '../types.ts'
import { codeAssistBase, geminiProject } from './login.ts'

/** The Gemini CLI release whose requests byokey's match. */
export const GEMINI_CLI_VERSION = '0.61.0'

/** Gemini CLI's user agent for `model`, or the client's own when the client is Gemini CLI. */
export function geminiCliUserAgent(model: string, inbound: Headers): string {
  const ua = inbound.get('user-agent')
  if (ua?.startsWith('GeminiCLI/')) return ua
  return `GeminiCLI/${GEMINI_CLI_VERSION}/${model} (${process.platform}; ${process.arch})`
}

/** The project a call names: configured, else the account's (`extra.projectId`). */
function projectOf(call: UpstreamCall): string | undefined {
  return call.config.providers['gemini']?.project_id ?? call.credential.extra?.['projectId']
}

export function prepareSubscription(call: UpstreamCall): PreparedRequest {
  const project = projectOf(call)
  // LoginSetup.ensure runs before every subscription call and stores one or fails the call
  if (project === undefined) throw new Error('gemini: a subscription call without a Code Assist project')
  const root = codeAssistBase(call.config).replace(/\/+$/, '')
  return {
    url: call.stream
      ? `${root}/v1internal:streamGenerateContent?alt=sse`
      : `${root}/v1internal:generateContent`,
    headers: {
      ...baseHeaders(call.stream),
      authorization: `Bearer ${call.credential.secret}`,
      'user-agent': geminiCliUserAgent(call.model, call.inbound),
    },
    body: wrapCodeAssistRequest(call.body, {
      model: call.model,
      project,
      userPromptId: crypto.randomUUID(),
    }) as unknown as Record<string, unknown>,
  }
}

/** Keeps each gemini login's Code Assist project on its account. */
export const geminiLoginSetup: LoginSetup = projectLoginSetup('gemini', geminiProject)
