/**
 * The OpenAPI 3.1 document of every endpoint, built from the TypeBox schemas the routes validate
 * with (TypeBox schemas are JSON Schema, which OpenAPI 3.1 embeds as is). Gemini's routes are one
 * wildcard each (`/v1beta/models/*`, the model and the method share the last segment), so their
 * `{model}:generateContent`-style operations are written out here, each with the same schema.
 */
import { type TSchema, Type } from '@sinclair/typebox'
import {
  countTokensSchema as anthropicCountSchema,
  requestSchema as anthropicSchema,
} from '../dialects/anthropic-messages/index.ts'
import { requestSchema as geminiSchema } from '../dialects/gemini/index.ts'
import type { DialectName } from '../dialects/ir.ts'
import { requestSchema as chatSchema } from '../dialects/openai-chat/index.ts'
import { requestSchema as responsesSchema } from '../dialects/openai-responses/index.ts'
import { ADMIN_REQUESTS, ADMIN_SECURITY, adminPaths } from './admin/openapi.ts'

const OPENAI_ERROR = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
  }),
})

/** The error body of each dialect (what `errorResponse` sends). */
export const ERROR_SCHEMAS: Readonly<Record<DialectName, TSchema>> = {
  'openai-chat': OPENAI_ERROR,
  'openai-responses': OPENAI_ERROR,
  'anthropic-messages': Type.Object({
    type: Type.Literal('error'),
    error: Type.Object({ type: Type.String(), message: Type.String() }),
  }),
  gemini: Type.Object({
    error: Type.Object({ code: Type.Integer(), message: Type.String(), status: Type.String() }),
  }),
}

const ERROR_NAMES: Readonly<Record<DialectName, string>> = {
  'openai-chat': 'OpenAIError',
  'openai-responses': 'OpenAIError',
  'anthropic-messages': 'AnthropicError',
  gemini: 'GeminiError',
}

/** Request bodies by component name: the very objects the routes pass to Elysia as `body`. */
const REQUESTS = {
  ChatCompletionRequest: chatSchema,
  ResponsesRequest: responsesSchema,
  MessagesRequest: anthropicSchema,
  CountTokensRequest: anthropicCountSchema,
  GenerateContentRequest: geminiSchema,
} as const

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: object) => ({ 'application/json': { schema } })
const anyObject = { type: 'object', additionalProperties: true }

function errors(dialect: DialectName) {
  return {
    default: { description: 'Error in the endpoint’s dialect', content: json(ref(ERROR_NAMES[dialect])) },
  }
}

interface Inference {
  summary: string
  dialect: DialectName
  body: keyof typeof REQUESTS
  /** `json` answers JSON; `both` streams SSE when the body asks for it; `sse` always streams. */
  answers: 'json' | 'both' | 'sse'
  tag: string
}

function inference(op: Inference, parameters: object[] = []) {
  const content: Record<string, object> = {}
  if (op.answers !== 'sse') content['application/json'] = { schema: anyObject }
  if (op.answers !== 'json') content['text/event-stream'] = { schema: { type: 'string' } }
  return {
    post: {
      summary: op.summary,
      tags: [op.tag],
      ...(parameters.length ? { parameters } : {}),
      requestBody: { required: true, content: json(ref(op.body)) },
      responses: {
        '200': { description: 'The upstream answer in this dialect', content },
        ...errors(op.dialect),
      },
    },
  }
}

const GEMINI_METHODS: ReadonlyArray<[string, string, Inference['answers']]> = [
  ['generateContent', 'Generate content (Gemini)', 'json'],
  ['streamGenerateContent', 'Stream generated content as SSE (Gemini)', 'sse'],
  ['countTokens', 'Count the tokens of a request (Gemini)', 'json'],
]

function geminiPaths(prefix: string): Record<string, object> {
  const model = {
    name: 'model',
    in: 'path',
    required: true,
    description: 'The model, optionally qualified (`provider/model`, slash percent-encoded)',
    schema: { type: 'string' },
  }
  const out: Record<string, object> = {}
  for (const [method, summary, answers] of GEMINI_METHODS) {
    out[`${prefix}/{model}:${method}`] = inference(
      { summary, dialect: 'gemini', body: 'GenerateContentRequest', answers, tag: 'Gemini' },
      [model],
    )
  }
  return out
}

function get(summary: string, tag: string, schema: object = anyObject, parameters: object[] = []) {
  return {
    get: {
      summary,
      tags: [tag],
      ...(parameters.length ? { parameters } : {}),
      responses: { '200': { description: summary, content: json(schema) }, ...errors('openai-chat') },
    },
  }
}

/** The whole document; `version` is byokey's. No secret of any kind goes in. */
export function openApiDocument(version: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = { ...REQUESTS, ...ADMIN_REQUESTS }
  for (const d of Object.keys(ERROR_NAMES) as DialectName[]) schemas[ERROR_NAMES[d]] = ERROR_SCHEMAS[d]
  const format = {
    name: 'format',
    in: 'query',
    required: false,
    description: '`anthropic` answers in Anthropic’s shape (as does an `anthropic-version` header)',
    schema: { type: 'string', enum: ['anthropic'] },
  }
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } }
  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'byokey',
      version,
      description:
        'AI subscriptions and API keys as OpenAI-, Anthropic- and Gemini-compatible endpoints. ' +
        'Errors come in the envelope of the endpoint’s dialect.',
    },
    paths: {
      '/v1/chat/completions': inference({
        summary: 'Create a chat completion (OpenAI Chat Completions)',
        dialect: 'openai-chat',
        body: 'ChatCompletionRequest',
        answers: 'both',
        tag: 'OpenAI',
      }),
      '/v1/responses': inference({
        summary: 'Create a response (OpenAI Responses)',
        dialect: 'openai-responses',
        body: 'ResponsesRequest',
        answers: 'both',
        tag: 'OpenAI',
      }),
      '/v1/messages': inference({
        summary: 'Create a message (Anthropic Messages)',
        dialect: 'anthropic-messages',
        body: 'MessagesRequest',
        answers: 'both',
        tag: 'Anthropic',
      }),
      '/v1/messages/count_tokens': {
        post: {
          summary: 'Count the input tokens of a message (Anthropic)',
          tags: ['Anthropic'],
          requestBody: { required: true, content: json(ref('CountTokensRequest')) },
          responses: {
            '200': {
              description: 'The token count',
              content: json({
                type: 'object',
                properties: { input_tokens: { type: 'integer' } },
                required: ['input_tokens'],
              }),
            },
            ...errors('anthropic-messages'),
          },
        },
      },
      ...geminiPaths('/v1beta/models'),
      ...geminiPaths('/v1/models'),
      '/v1/models': get('List the models (OpenAI shape, or Anthropic’s)', 'Models', anyObject, [format]),
      '/v1/models/{id}': get('One model (OpenAI shape, or Anthropic’s)', 'Models', anyObject, [id, format]),
      '/v1beta/models': get('List the models (Gemini shape)', 'Models'),
      '/healthz': get('Liveness: the process answers', 'Health'),
      '/readyz': get('Readiness: database open, upstream slots in use', 'Health'),
      '/': get('Name and version', 'Health'),
      '/openapi.json': get('This document', 'Health'),
      ...adminPaths(),
    },
    components: { schemas, securitySchemes: ADMIN_SECURITY },
  }
  // one JSON round trip drops TypeBox's symbol keys and leaves plain JSON Schema
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>
}
