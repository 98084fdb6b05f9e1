/**
 * Fakes of Kiro's services on real loopback sockets (docs/protocols/kiro.md):
 *
 * - `startFakeKiroAuth`: AWS SSO OIDC (`/client/register`, `/device_authorization`, `/token`, all
 *   camelCase JSON, refusing snake_case fields) and Kiro's auth service (`/login` → 302 to the
 *   loopback callback, `/oauth/token` checking PKCE, `/refreshToken`). Refresh tokens rotate; a
 *   revoked or spent one is `invalid_grant` (OIDC) or 401 (Kiro's service). The device is
 *   pending until `approveDevice()`.
 * - `startFakeKiroApi`: `POST /generateAssistantResponse`, which checks the AWS JSON headers and
 *   the conversation-state body (a 400 `ValidationException` naming what is wrong otherwise),
 *   accepts only access tokens the auth fake issued and has not expired, and answers a binary
 *   event stream (built with the reference encoder) in small chunks: a tool call when the
 *   request declares tools and carries no results, else text with a leading thinking run.
 */
import { createHash } from 'node:crypto'
import { concat, kiroEvent } from '../aws-event-stream.ts'
import { type FakeServer, jsonResponse, type Recorded, sleep, startFake } from './server.ts'

export const KIRO_PROFILE_ARN = 'arn:aws:codewhisperer:us-east-1:111122223333:profile/FAKEPROFILE'

export interface FakeKiroAuth {
  readonly url: string
  readonly server: FakeServer
  /** The user code of the latest device authorization. */
  userCode(): string | undefined
  approveDevice(): void
  /** Every refresh token issued so far stops working. */
  revokeAll(): void
  /** Whether `token` is an access token issued here and not expired or revoked. */
  validAccess(token: string): boolean
  /** Issues a login directly, as if a flow had run (for seeding stores). */
  issue(kind: 'builder_id' | 'social'): {
    access: string
    refresh: string
    clientId: string
    clientSecret: string
  }
  /** Makes every access token issued so far expire. */
  expireAccess(): void
  readonly counts: { registers: number; devicePolls: number; refreshes: number; socialExchanges: number }
  [Symbol.asyncDispose](): Promise<void>
}

const b64url = (b: Buffer) => b.toString('base64url')

export interface FakeKiroAuthOptions {
  refreshDelayMs?: number
  accessTtlSec?: number
  /** Approve every device code at once (a CLI test cannot play the user in between). */
  autoApprove?: boolean
}

export function startFakeKiroAuth(opts: FakeKiroAuthOptions = {}): FakeKiroAuth {
  const clients = new Map<string, string>()
  const access = new Map<string, number>()
  const refresh = new Map<string, 'builder_id' | 'social'>()
  const codes = new Map<string, { challenge: string; redirectUri: string }>()
  const devices = new Map<string, { approved: boolean; clientId: string }>()
  let lastUserCode: string | undefined
  let n = 0
  const counts = { registers: 0, devicePolls: 0, refreshes: 0, socialExchanges: 0 }
  const ttl = opts.accessTtlSec ?? 3600

  const mint = (kind: 'builder_id' | 'social') => {
    n++
    const a = `kiro-at-${kind}-${n}-${crypto.randomUUID()}`
    const r = `kiro-rt-${kind}-${n}-${crypto.randomUUID()}`
    access.set(a, Date.now() + ttl * 1000)
    refresh.set(r, kind)
    return { a, r }
  }
  const snake = (body: unknown) => JSON.stringify(body).includes('_')
  const oidcError = (error: string, status = 400) => jsonResponse({ error, error_description: error }, status)

  const server = startFake(async (req, rec: Recorded) => {
    const body = (rec.body ?? {}) as Record<string, unknown>
    switch (`${rec.method} ${rec.path}`) {
      case 'POST /client/register': {
        counts.registers++
        const scopes = body['scopes']
        if (
          body['clientType'] !== 'public' ||
          !Array.isArray(scopes) ||
          !scopes.includes('codewhisperer:conversations')
        )
          return oidcError('invalid_client_metadata')
        const id = `client-${++n}`
        const secret = `client-secret-${crypto.randomUUID()}`
        clients.set(id, secret)
        return jsonResponse({
          clientId: id,
          clientSecret: secret,
          clientIdIssuedAt: 1,
          clientSecretExpiresAt: 4_000_000_000,
        })
      }
      case 'POST /device_authorization': {
        const id = body['clientId'] as string
        if (snake(Object.keys(body)) || clients.get(id) !== body['clientSecret'])
          return oidcError('invalid_client')
        if (typeof body['startUrl'] !== 'string') return oidcError('invalid_request')
        const deviceCode = `dev-${++n}`
        lastUserCode = `ABCD-${n}`
        devices.set(deviceCode, { approved: opts.autoApprove === true, clientId: id })
        return jsonResponse({
          deviceCode,
          userCode: lastUserCode,
          verificationUri: `${server.url}/device`,
          verificationUriComplete: `${server.url}/device?user_code=${lastUserCode}`,
          expiresIn: 600,
          interval: 1,
        })
      }
      case 'POST /token': {
        const id = body['clientId'] as string
        if (Object.keys(body).some((k) => k.includes('_'))) return oidcError('invalid_request')
        if (clients.get(id) !== body['clientSecret']) return oidcError('invalid_client', 401)
        if (body['grantType'] === 'urn:ietf:params:oauth:grant-type:device_code') {
          counts.devicePolls++
          const d = devices.get(body['deviceCode'] as string)
          if (!d || d.clientId !== id) return oidcError('invalid_grant')
          if (!d.approved) return oidcError('authorization_pending')
          devices.delete(body['deviceCode'] as string)
          const t = mint('builder_id')
          return jsonResponse({ accessToken: t.a, refreshToken: t.r, tokenType: 'Bearer', expiresIn: ttl })
        }
        if (body['grantType'] === 'refresh_token') {
          counts.refreshes++
          if (opts.refreshDelayMs) await sleep(opts.refreshDelayMs)
          const r = body['refreshToken'] as string
          if (refresh.get(r) !== 'builder_id') return oidcError('invalid_grant')
          refresh.delete(r)
          const t = mint('builder_id')
          return jsonResponse({ accessToken: t.a, refreshToken: t.r, tokenType: 'Bearer', expiresIn: ttl })
        }
        return oidcError('unsupported_grant_type')
      }
      case 'GET /login': {
        const q = rec.query
        if (
          !['Google', 'Github'].includes(q['idp'] ?? '') ||
          q['code_challenge_method'] !== 'S256' ||
          !q['state']
        )
          return jsonResponse({ message: 'bad login request' }, 400)
        if ('client_id' in q || 'response_type' in q)
          return jsonResponse({ message: 'unexpected parameter' }, 400)
        const code = `code-${++n}`
        codes.set(code, { challenge: q['code_challenge'] ?? '', redirectUri: q['redirect_uri'] ?? '' })
        const to = new URL(q['redirect_uri'] ?? '')
        to.searchParams.set('code', code)
        to.searchParams.set('state', q['state'])
        return new Response(null, { status: 302, headers: { location: to.toString() } })
      }
      case 'POST /oauth/token': {
        counts.socialExchanges++
        const c = codes.get(body['code'] as string)
        codes.delete(body['code'] as string)
        const verifier = body['code_verifier']
        if (!c || typeof verifier !== 'string' || c.redirectUri !== body['redirect_uri'])
          return jsonResponse({ message: 'invalid code' }, 400)
        if (b64url(createHash('sha256').update(verifier).digest()) !== c.challenge)
          return jsonResponse({ message: 'PKCE verification failed' }, 400)
        const t = mint('social')
        return jsonResponse({
          accessToken: t.a,
          refreshToken: t.r,
          profileArn: KIRO_PROFILE_ARN,
          expiresIn: ttl,
        })
      }
      case 'POST /refreshToken': {
        counts.refreshes++
        if (opts.refreshDelayMs) await sleep(opts.refreshDelayMs)
        const r = body['refreshToken'] as string
        if (Object.keys(body).length !== 1 || refresh.get(r) !== 'social')
          return jsonResponse({ message: 'Invalid refresh token' }, 401)
        refresh.delete(r)
        const t = mint('social')
        return jsonResponse({
          accessToken: t.a,
          refreshToken: t.r,
          profileArn: KIRO_PROFILE_ARN,
          expiresIn: ttl,
        })
      }
      default:
        void req
        return jsonResponse({ message: `no route ${rec.method} ${rec.path}` }, 404)
    }
  })

  return {
    url: server.url,
    server,
    counts,
    userCode: () => lastUserCode,
    approveDevice() {
      for (const d of devices.values()) d.approved = true
    },
    revokeAll() {
      refresh.clear()
    },
    validAccess(token) {
      const until = access.get(token)
      return until !== undefined && until > Date.now()
    },
    expireAccess() {
      for (const k of access.keys()) access.set(k, 0)
    },
    issue(kind) {
      const t = mint(kind)
      const clientId = `client-${++n}`
      const clientSecret = `client-secret-${crypto.randomUUID()}`
      clients.set(clientId, clientSecret)
      return { access: t.a, refresh: t.r, clientId, clientSecret }
    },
    [Symbol.asyncDispose]: () => server.stop(),
  }
}

/** What the API fake found wrong with a request; empty when it is well formed. */
export function kiroRequestProblems(rec: Recorded): string[] {
  const p: string[] = []
  const h = rec.headers
  if (h['content-type'] !== 'application/x-amz-json-1.0') p.push(`content-type ${h['content-type']}`)
  if (h['x-amz-target'] !== 'AmazonCodeWhispererStreamingService.GenerateAssistantResponse')
    p.push('x-amz-target')
  if (!/^[0-9a-f-]{36}$/.test(h['amz-sdk-invocation-id'] ?? '')) p.push('amz-sdk-invocation-id')
  if (!h['amz-sdk-request']?.startsWith('attempt=')) p.push('amz-sdk-request')
  if (!h['x-amz-user-agent']?.startsWith('aws-sdk-js/')) p.push('x-amz-user-agent')
  const body = rec.body as Record<string, unknown> | null
  const state = body?.['conversationState'] as Record<string, unknown> | undefined
  if (!state) return [...p, 'conversationState']
  if (state['chatTriggerType'] !== 'MANUAL') p.push('chatTriggerType')
  if (typeof state['conversationId'] !== 'string') p.push('conversationId')
  const cur = (state['currentMessage'] as { userInputMessage?: Record<string, unknown> } | undefined)
    ?.userInputMessage
  if (!cur || typeof cur['content'] !== 'string' || cur['content'] === '')
    p.push('currentMessage.userInputMessage.content')
  if (cur && (typeof cur['modelId'] !== 'string' || cur['origin'] !== 'AI_EDITOR')) p.push('modelId/origin')
  const history = (state['history'] ?? []) as Array<Record<string, unknown>>
  history.forEach((t, i) => {
    const want = i % 2 === 0 ? 'userInputMessage' : 'assistantResponseMessage'
    if (!(want in t)) p.push(`history.${i} should be ${want}`)
  })
  if (history.length % 2 !== 0) p.push('history must end with an assistant turn')
  const tools = (cur?.['userInputMessageContext'] as { tools?: unknown[] } | undefined)?.tools ?? []
  for (const t of tools as Array<{ toolSpecification?: Record<string, unknown> }>) {
    const s = t.toolSpecification
    if (
      !s ||
      typeof s['name'] !== 'string' ||
      !s['description'] ||
      !(s['inputSchema'] as { json?: unknown })?.json
    )
      p.push('toolSpecification')
  }
  return p
}

export interface FakeKiroApi extends FakeServer {
  /** The generate calls. */
  calls(): Recorded[]
  /** The next call is answered with this AWS error (`__type`, `message`, optional `reason`). */
  refuseNext(status: number, type: string, message: string, reason?: string): void
}

const ANSWER = 'hello from kiro'

/** The event stream for a request: a tool call, or text after tool results, or a greeting. */
interface CurrentTurn {
  userInputMessageContext?: {
    toolResults?: Array<{ content: Array<{ text: string }> }>
    tools?: Array<{ toolSpecification: { name: string } }>
  }
}

function answerFor(rec: Recorded): Uint8Array {
  const body = rec.body as { conversationState: { currentMessage: { userInputMessage: CurrentTurn } } }
  const cur = body.conversationState.currentMessage.userInputMessage
  const ctx = cur.userInputMessageContext ?? {}
  if (Array.isArray(ctx.toolResults) && ctx.toolResults.length > 0) {
    const result = ctx.toolResults[0]?.content[0]?.text ?? ''
    return concat([
      kiroEvent('assistantResponseEvent', { content: `It is ${result} in Paris.` }),
      kiroEvent('messageStopEvent', {}),
    ])
  }
  if (Array.isArray(ctx.tools) && ctx.tools.length > 0) {
    const name = ctx.tools[0]?.toolSpecification.name ?? ''
    return concat([
      kiroEvent('assistantResponseEvent', { content: 'Let me check.' }),
      kiroEvent('toolUseEvent', { toolUseId: 'tooluse_abc123', name, input: '{"city"' }),
      kiroEvent('toolUseEvent', { toolUseId: 'tooluse_abc123', name, input: ':"Paris"}' }),
      kiroEvent('toolUseEvent', { toolUseId: 'tooluse_abc123', name, stop: true }),
      kiroEvent('messageStopEvent', {}),
    ])
  }
  return concat([
    kiroEvent('assistantResponseEvent', { content: '<thinking>a greeting' }),
    kiroEvent('assistantResponseEvent', { content: '</thinking>\n\nhello ' }),
    kiroEvent('assistantResponseEvent', { content: 'from kiro' }),
    kiroEvent('messageStopEvent', {}),
  ])
}

/** The bytes in chunks of 1..13 bytes, so that frames arrive split. */
function chunkedStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0
  let k = 0
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close()
      const len = 1 + ((k++ * 5) % 13)
      c.enqueue(bytes.slice(at, at + len))
      at += len
    },
  })
}

export function startFakeKiroApi(auth: FakeKiroAuth): FakeKiroApi {
  let refusal: { status: number; body: Record<string, string> } | undefined
  const server = startFake((_req, rec) => {
    if (rec.method !== 'POST' || rec.path !== '/generateAssistantResponse')
      return jsonResponse({ message: 'not found' }, 404)
    if (refusal) {
      const r = refusal
      refusal = undefined
      return jsonResponse(r.body, r.status)
    }
    const token = (rec.headers['authorization'] ?? '').replace(/^Bearer /, '')
    if (!auth.validAccess(token))
      return jsonResponse(
        {
          __type: 'com.amazon.coral.service#UnauthorizedException',
          message: 'The bearer token is invalid or expired',
        },
        401,
      )
    const problems = kiroRequestProblems(rec)
    if (problems.length > 0)
      return jsonResponse(
        { __type: 'com.amazon.coral.validate#ValidationException', message: problems.join('; ') },
        400,
      )
    return new Response(chunkedStream(answerFor(rec)), {
      headers: { 'content-type': 'application/vnd.amazon.eventstream' },
    })
  })
  return Object.assign(server, {
    calls: () => server.requests.filter((r) => r.path === '/generateAssistantResponse'),
    refuseNext(status: number, type: string, message: string, reason?: string) {
      refusal = {
        status,
        body: { __type: `com.amazon.aws.codewhisperer#${type}`, message, ...(reason ? { reason } : {}) },
      }
    },
  })
}

export { ANSWER as KIRO_ANSWER }
