/**
 * The management API and the dashboard in the OpenAPI document: every route, the admin key as
 * a bearer security scheme, bodies as the very schemas the routes validate with.
 */
import type { TObject } from '@sinclair/typebox'
import {
  KeyCreateBody,
  LoginCodeBody,
  LoginStartBody,
  RequestsQueryString,
  UsageQueryString,
} from './schemas.ts'

/** Request bodies by component name. */
export const ADMIN_REQUESTS = {
  LoginStartRequest: LoginStartBody,
  LoginCodeRequest: LoginCodeBody,
  KeyCreateRequest: KeyCreateBody,
} as const

export const ADMIN_SECURITY = {
  adminKey: { type: 'http', scheme: 'bearer', description: 'byokey admin-key create' },
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: object) => ({ 'application/json': { schema } })
const anyObject = { type: 'object', additionalProperties: true }
const error = { description: 'Error (OpenAI’s envelope)', content: json(ref('OpenAIError')) }

function pathParam(name: string, description: string) {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } }
}

function queryParams(schema: TObject) {
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    description: (s as { description?: string }).description,
    schema: { type: 'string' },
  }))
}

interface Op {
  summary: string
  body?: keyof typeof ADMIN_REQUESTS
  parameters?: object[]
  status?: string
}

function op({ summary, body, parameters, status = '200' }: Op) {
  return {
    summary,
    tags: ['Management'],
    security: [{ adminKey: [] }],
    ...(parameters ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: json(ref(body)) } } : {}),
    responses: { [status]: { description: summary, content: json(anyObject) }, default: error },
  }
}

const provider = pathParam('provider', 'Provider id')
const account = pathParam('account', 'Account id (percent-encoded)')
const loginId = pathParam('id', 'Login id from POST /admin/v1/logins')
const keyId = pathParam('id', 'Gateway key id')

function page(summary: string, type: string) {
  return {
    get: {
      summary,
      tags: ['Dashboard'],
      responses: { '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } } },
    },
  }
}

export function adminPaths(): Record<string, object> {
  return {
    '/admin/v1/status': { get: op({ summary: 'Version, uptime and config version of the running gateway' }) },
    '/admin/v1/reload': { post: op({ summary: 'Re-read the config file now (422 when it is invalid)' }) },
    '/admin/v1/accounts': {
      get: op({ summary: 'Per provider: accounts, token state, cooldowns and reported limits' }),
    },
    '/admin/v1/accounts/{provider}/{account}/activate': {
      post: op({ summary: 'Make an account the one its provider uses', parameters: [provider, account] }),
    },
    '/admin/v1/accounts/{provider}/{account}': {
      delete: op({ summary: 'Remove an account', parameters: [provider, account] }),
    },
    '/admin/v1/logins': {
      get: op({ summary: 'Providers a login can be started for' }),
      post: op({
        summary: 'Start a login; poll it for the URL or device code',
        body: 'LoginStartRequest',
        status: '202',
      }),
    },
    '/admin/v1/logins/{id}': {
      get: op({ summary: 'A login: its prompt, then its outcome', parameters: [loginId] }),
      delete: op({ summary: 'Cancel a login', parameters: [loginId] }),
    },
    '/admin/v1/logins/{id}/code': {
      post: op({
        summary: 'Hand a login the redirected URL or the code the provider showed',
        body: 'LoginCodeRequest',
        parameters: [loginId],
      }),
    },
    '/admin/v1/usage': {
      get: op({
        summary: 'Tokens and cost over a range, grouped, with totals',
        parameters: queryParams(UsageQueryString),
      }),
    },
    '/admin/v1/requests': {
      get: op({
        summary: 'Recent requests, newest first (no bodies)',
        parameters: queryParams(RequestsQueryString),
      }),
    },
    '/admin/v1/keys': {
      get: op({ summary: 'Gateway keys with their spend (never a secret)' }),
      post: op({
        summary: 'Create a gateway key; its secret is in this answer only',
        body: 'KeyCreateRequest',
        status: '201',
      }),
    },
    '/admin/v1/keys/{id}': { delete: op({ summary: 'Revoke a gateway key', parameters: [keyId] }) },
    '/admin/v1/keys/{id}/rotate': {
      post: op({ summary: 'Give a gateway key a new secret, in this answer only', parameters: [keyId] }),
    },
    '/dashboard': page('The dashboard (sign in with an admin key)', 'text/html'),
    '/dashboard/app.js': page('The dashboard’s script', 'text/javascript'),
    '/dashboard/app.css': page('The dashboard’s styles', 'text/css'),
  }
}
