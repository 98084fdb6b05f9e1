/**
 * The Chat Completions body the gateway accepts. Permissive about fields it does not know
 * (every object allows additional properties, nested ones included, so the validator never
 * strips `cache_control` or a vendor field), strict about the types of the fields it does know.
 * Fields OpenAI documents as nullable accept `null`. Counts have the same lower bounds in all four
 * dialects' schemas (token caps and choice counts at least 1, top-k and top-logprobs at least 0),
 * so a negative count is a 400 here rather than whatever the upstream makes of it.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox'

const open = { additionalProperties: true } as const

function nullable<T extends TSchema>(t: T) {
  return Type.Optional(Type.Union([t, Type.Null()]))
}

const cacheControl = Type.Object({ type: Type.String(), ttl: Type.Optional(Type.String()) }, open)

/** One object for every part type: a union would make validators pick a branch and drop fields. */
const contentPart = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
    refusal: Type.Optional(Type.String()),
    image_url: Type.Optional(Type.Object({ url: Type.String(), detail: Type.Optional(Type.String()) }, open)),
    file: Type.Optional(
      Type.Object(
        {
          file_data: Type.Optional(Type.String()),
          file_id: Type.Optional(Type.String()),
          filename: Type.Optional(Type.String()),
        },
        open,
      ),
    ),
    input_audio: Type.Optional(Type.Object({ data: Type.String(), format: Type.String() }, open)),
    cache_control: Type.Optional(cacheControl),
  },
  open,
)

const toolCall = Type.Object(
  {
    id: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    function: Type.Object(
      { name: Type.String(), arguments: Type.Optional(Type.Union([Type.String(), Type.Null()])) },
      open,
    ),
  },
  open,
)

const message = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
      Type.Literal('tool'),
      Type.Literal('function'),
    ]),
    content: nullable(Type.Union([Type.String(), Type.Array(contentPart)])),
    name: Type.Optional(Type.String()),
    tool_calls: nullable(Type.Array(toolCall)),
    tool_call_id: Type.Optional(Type.String()),
    refusal: nullable(Type.String()),
    reasoning_content: nullable(Type.String()),
    reasoning_signature: nullable(Type.String()),
  },
  open,
)

const tool = Type.Object(
  {
    type: Type.String(),
    function: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          description: Type.Optional(Type.String()),
          parameters: Type.Optional(Type.Object({}, open)),
          strict: nullable(Type.Boolean()),
        },
        open,
      ),
    ),
    cache_control: Type.Optional(cacheControl),
  },
  open,
)

const toolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.String() }, open),
])

const responseFormat = Type.Object(
  {
    type: Type.String(),
    json_schema: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          schema: Type.Optional(Type.Object({}, open)),
          strict: nullable(Type.Boolean()),
          description: Type.Optional(Type.String()),
        },
        open,
      ),
    ),
  },
  open,
)

export const requestSchema = Type.Object(
  {
    model: Type.String(),
    messages: Type.Array(message),
    stream: nullable(Type.Boolean()),
    stream_options: nullable(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, open)),
    max_tokens: nullable(Type.Integer({ minimum: 1 })),
    max_completion_tokens: nullable(Type.Integer({ minimum: 1 })),
    temperature: nullable(Type.Number()),
    top_p: nullable(Type.Number()),
    top_k: nullable(Type.Integer({ minimum: 0 })),
    n: nullable(Type.Integer({ minimum: 1 })),
    stop: nullable(Type.Union([Type.String(), Type.Array(Type.String())])),
    presence_penalty: nullable(Type.Number()),
    frequency_penalty: nullable(Type.Number()),
    seed: nullable(Type.Integer()),
    top_logprobs: nullable(Type.Integer({ minimum: 0 })),
    user: Type.Optional(Type.String()),
    metadata: nullable(Type.Object({}, open)),
    tools: nullable(Type.Array(tool)),
    tool_choice: nullable(toolChoice),
    parallel_tool_calls: nullable(Type.Boolean()),
    response_format: nullable(responseFormat),
    reasoning_effort: nullable(Type.String()),
    web_search_options: nullable(Type.Object({}, open)),
  },
  open,
)

export type RequestBody = Static<typeof requestSchema>
