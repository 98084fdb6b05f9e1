/**
 * The Responses body the gateway accepts (`POST /v1/responses`). Permissive about fields it does
 * not know (every object allows additional properties, nested ones included, so the validator
 * never strips a field it has not heard of), strict about the types of the fields it does know.
 * Items and parts are one open object each rather than unions: a union makes validators pick a
 * branch, and the item kinds keep growing (custom_tool_call, item_reference, …). Counts have the
 * lower bounds of the other dialects' schemas (token caps at least 1, top-logprobs at least 0).
 */
import { type TSchema, Type } from '@sinclair/typebox'

const open = { additionalProperties: true } as const

function nullable<T extends TSchema>(t: T) {
  return Type.Optional(Type.Union([t, Type.Null()]))
}

const contentPart = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
    refusal: Type.Optional(Type.String()),
    image_url: nullable(Type.String()),
    file_id: nullable(Type.String()),
    file_data: Type.Optional(Type.String()),
    file_url: Type.Optional(Type.String()),
    filename: Type.Optional(Type.String()),
    detail: Type.Optional(Type.String()),
    input_audio: Type.Optional(Type.Object({ data: Type.String(), format: Type.String() }, open)),
    annotations: Type.Optional(Type.Array(Type.Unknown())),
  },
  open,
)

const summaryPart = Type.Object({ type: Type.String(), text: Type.String() }, open)

/** Every input item kind in one open object; `type` is optional for the role-only message shorthand. */
const inputItem = Type.Object(
  {
    type: nullable(Type.String()),
    id: nullable(Type.String()),
    role: Type.Optional(Type.String()),
    content: nullable(Type.Union([Type.String(), Type.Array(contentPart)])),
    status: nullable(Type.String()),
    summary: Type.Optional(Type.Array(summaryPart)),
    encrypted_content: nullable(Type.String()),
    call_id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    arguments: Type.Optional(Type.String()),
    output: Type.Optional(Type.Union([Type.String(), Type.Array(contentPart)])),
  },
  open,
)

const tool = Type.Object(
  {
    type: Type.String(),
    name: Type.Optional(Type.String()),
    description: nullable(Type.String()),
    parameters: nullable(Type.Record(Type.String(), Type.Unknown())),
    strict: nullable(Type.Boolean()),
  },
  open,
)

const toolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({ type: Type.String(), name: Type.Optional(Type.String()) }, open),
])

const textConfig = Type.Object(
  {
    format: Type.Optional(
      Type.Object(
        {
          type: Type.String(),
          name: Type.Optional(Type.String()),
          schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          strict: nullable(Type.Boolean()),
          description: Type.Optional(Type.String()),
        },
        open,
      ),
    ),
    verbosity: nullable(Type.String()),
  },
  open,
)

const reasoning = Type.Object(
  {
    effort: nullable(Type.String()),
    summary: nullable(Type.String()),
  },
  open,
)

export const requestSchema = Type.Object(
  {
    model: Type.String(),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(inputItem)])),
    instructions: nullable(Type.String()),
    stream: nullable(Type.Boolean()),
    tools: nullable(Type.Array(tool)),
    tool_choice: nullable(toolChoice),
    parallel_tool_calls: nullable(Type.Boolean()),
    reasoning: nullable(reasoning),
    text: Type.Optional(textConfig),
    max_output_tokens: nullable(Type.Integer({ minimum: 1 })),
    temperature: nullable(Type.Number()),
    top_p: nullable(Type.Number()),
    top_logprobs: nullable(Type.Integer({ minimum: 0 })),
    metadata: nullable(Type.Record(Type.String(), Type.Unknown())),
    user: Type.Optional(Type.String()),
    store: nullable(Type.Boolean()),
    include: nullable(Type.Array(Type.String())),
    previous_response_id: nullable(Type.String()),
    prompt_cache_key: nullable(Type.String()),
    service_tier: nullable(Type.String()),
    truncation: nullable(Type.String()),
  },
  open,
)
