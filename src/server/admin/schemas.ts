/** The management API's request bodies and query strings: what the routes validate with and the OpenAPI document shows. */
import { Type as T } from '@sinclair/typebox'
import { USAGE_DIMENSIONS } from '../../store/types.ts'

export const LoginStartBody = T.Object(
  {
    provider: T.String({
      minLength: 1,
      description: 'A provider with a login (`GET /admin/v1/logins` lists them)',
    }),
    account: T.Optional(
      T.String({ minLength: 1, maxLength: 200, description: 'Store under this account id' }),
    ),
    label: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

export const LoginCodeBody = T.Object(
  {
    code: T.String({
      minLength: 1,
      maxLength: 4096,
      description: 'The URL the browser was redirected to, or the code the provider showed',
    }),
  },
  { additionalProperties: false },
)

export const KeyCreateBody = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 200 }),
    models: T.Optional(T.Array(T.String({ minLength: 1 }), { description: 'Model globs the key may use' })),
    rpm: T.Optional(T.Integer({ minimum: 1, description: 'Requests per minute' })),
    budget_usd: T.Optional(T.Number({ exclusiveMinimum: 0 })),
    period: T.Optional(
      T.Union([T.Literal('day'), T.Literal('month')], { description: 'Budget period (UTC)' }),
    ),
    expires_at: T.Optional(T.String({ format: 'date-time', description: 'ISO 8601; refused after it' })),
  },
  { additionalProperties: false },
)

const Dimensions = `Comma-separated, up to two of ${USAGE_DIMENSIONS.join(', ')} (day and hour are UTC)`

export const UsageQueryString = T.Object({
  from: T.Optional(T.String({ description: 'Start, ISO 8601 or Unix ms (default 30 days ago)' })),
  to: T.Optional(T.String({ description: 'End, exclusive, ISO 8601 or Unix ms (default now)' })),
  group_by: T.Optional(T.String({ description: Dimensions })),
})

export const RequestsQueryString = T.Object({
  limit: T.Optional(
    T.String({ pattern: '^[0-9]{1,4}$', description: 'How many, newest first (default 50, at most 1000)' }),
  ),
})
