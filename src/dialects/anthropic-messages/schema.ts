/**
 * The Messages bodies the gateway accepts (`POST /v1/messages`, `POST /v1/messages/count_tokens`).
 * Permissive about fields it does not know: every object, nested ones included, allows additional
 * properties, so the validator never strips `cache_control`, `citations` or a new API field. Strict
 * about the types of the fields it knows; enum-like values (block types, roles of the future,
 * effort levels) are left to the codec, which names the field when it refuses one.
 */
import { type TSchema, Type } from '@sinclair/typebox'

const open = { additionalProperties: true } as const

function nullable<T extends TSchema>(t: T) {
  return Type.Optional(Type.Union([t, Type.Null()]))
}

const cacheControl = Type.Object({ type: Type.String(), ttl: Type.Optional(Type.String()) }, open)

const source = Type.Object(
  {
    type: Type.String(),
    media_type: Type.Optional(Type.String()),
    data: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
    file_id: Type.Optional(Type.String()),
  },
  open,
)

/** Blocks nested in tool_result / server-tool results: text, image, document, search results. */
const innerBlock = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
    source: Type.Optional(Type.Union([source, Type.String()])),
    cache_control: nullable(cacheControl),
  },
  open,
)

/**
 * One object for every content block type: a union would make validators pick a branch (and
 * report errors against the wrong one). The codec checks each type's required fields.
 */
const contentBlock = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
    thinking: Type.Optional(Type.String()),
    signature: Type.Optional(Type.String()),
    data: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    input: Type.Optional(Type.Object({}, open)),
    tool_use_id: Type.Optional(Type.String()),
    is_error: Type.Optional(Type.Boolean()),
    title: nullable(Type.String()),
    /** A media source; `search_result` blocks give a plain URL string. */
    source: Type.Optional(Type.Union([source, Type.String()])),
    cache_control: nullable(cacheControl),
    citations: Type.Optional(
      Type.Union([Type.Array(Type.Object({}, open)), Type.Object({}, open), Type.Null()]),
    ),
    /** tool_result: a string or blocks; server tool results: blocks or an error object. */
    content: Type.Optional(Type.Union([Type.String(), Type.Array(innerBlock), Type.Object({}, open)])),
  },
  open,
)

const textBlock = Type.Object(
  {
    type: Type.String(),
    text: Type.String(),
    cache_control: nullable(cacheControl),
    citations: nullable(Type.Array(Type.Object({}, open))),
  },
  open,
)

const message = Type.Object(
  {
    role: Type.String({ minLength: 1 }),
    content: Type.Union([Type.String(), Type.Array(contentBlock)]),
  },
  open,
)

/** Function tools have `input_schema`; typed server tools (`web_search_20250305`…) have a `type`. */
const tool = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: nullable(Type.String()),
    description: Type.Optional(Type.String()),
    input_schema: Type.Optional(Type.Object({}, open)),
    cache_control: nullable(cacheControl),
    strict: Type.Optional(Type.Boolean()),
  },
  open,
)

const toolChoice = Type.Object(
  {
    type: Type.String(),
    name: Type.Optional(Type.String()),
    disable_parallel_tool_use: Type.Optional(Type.Boolean()),
  },
  open,
)

const thinking = Type.Object(
  {
    type: Type.String(),
    budget_tokens: Type.Optional(Type.Integer()),
    display: nullable(Type.String()),
  },
  open,
)

const jsonSchemaFormat = Type.Object({ type: Type.String(), schema: Type.Object({}, open) }, open)

const outputConfig = Type.Object(
  {
    effort: nullable(Type.String()),
    format: nullable(jsonSchemaFormat),
  },
  open,
)

/** Fields the Messages and count_tokens bodies share. */
const shared = {
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(message),
  system: Type.Optional(Type.Union([Type.String(), Type.Array(textBlock)])),
  tools: Type.Optional(Type.Array(tool)),
  tool_choice: Type.Optional(toolChoice),
  thinking: Type.Optional(thinking),
  output_config: Type.Optional(outputConfig),
}

/** `POST /v1/messages`. */
export const requestSchema = Type.Object(
  {
    ...shared,
    max_tokens: Type.Integer({ minimum: 1 }),
    metadata: Type.Optional(Type.Object({ user_id: nullable(Type.String()) }, open)),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
    stream: Type.Optional(Type.Boolean()),
    temperature: Type.Optional(Type.Number()),
    top_p: Type.Optional(Type.Number()),
    top_k: Type.Optional(Type.Integer({ minimum: 0 })),
    output_format: Type.Optional(jsonSchemaFormat),
    service_tier: Type.Optional(Type.String()),
  },
  open,
)

/** `POST /v1/messages/count_tokens`: the same conversation, no `max_tokens`. */
export const countTokensSchema = Type.Object(shared, open)
