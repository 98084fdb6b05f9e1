/**
 * The `generateContent` body the gateway accepts (and the Code Assist envelope around it).
 * Permissive about fields it does not know (every object allows additional properties, nested
 * ones included, so the validator never strips a field Google adds later), strict about the types
 * of the fields it does know. proto-JSON lets clients spell fields in snake_case, so each known
 * field is declared under both spellings.
 *
 * What a decoder may assume: the `generateContent` routes check a client's body against
 * `requestSchema` before `decodeRequest` runs, so there the known fields have their declared
 * types. The decoders check them again all the same (the DialectErrors in `content.ts`,
 * `tools.ts`, `sampling.ts`, `reasoning.ts`), because they also run where no route checked
 * anything: `decodeResponse` and the stream decoder read upstream answers with the same part
 * decoders, Code Assist bodies and direct callers reach `decodeRequest` unchecked, and a mistyped
 * field must come back as an error naming it, never as a TypeError or a silently wrong IR.
 */
import { type TSchema, Type } from '@sinclair/typebox'

const open = { additionalProperties: true } as const

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

/** Optional fields under their camelCase and snake_case names. */
function fields(entries: Record<string, TSchema>): Record<string, TSchema> {
  const out: Record<string, TSchema> = {}
  for (const [k, s] of Object.entries(entries)) {
    out[k] = Type.Optional(s)
    const sk = snake(k)
    if (sk !== k) out[sk] = Type.Optional(s)
  }
  return out
}

const obj = (entries: Record<string, TSchema>) => Type.Object(fields(entries), open)
const anyObject = Type.Object({}, open)

const blob = obj({ mimeType: Type.String(), data: Type.String(), displayName: Type.String() })
const fileData = obj({ mimeType: Type.String(), fileUri: Type.String(), displayName: Type.String() })
const functionCall = obj({ name: Type.String(), args: anyObject, id: Type.String() })
const mediaPart = obj({ inlineData: blob, fileData })
const functionResponse = obj({
  name: Type.String(),
  response: anyObject,
  id: Type.String(),
  parts: Type.Array(mediaPart),
})

/** One object for every part kind: a union would make validators pick a branch and drop fields. */
const part = obj({
  text: Type.String(),
  thought: Type.Boolean(),
  thoughtSignature: Type.String(),
  inlineData: blob,
  fileData,
  functionCall,
  functionResponse,
  executableCode: anyObject,
  codeExecutionResult: anyObject,
})

const content = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('model')])),
    parts: Type.Array(part),
  },
  open,
)

const systemInstruction = Type.Object({ role: Type.Optional(Type.String()), parts: Type.Array(part) }, open)

const functionDeclaration = Type.Object(
  {
    name: Type.String(),
    ...fields({ description: Type.String(), parameters: anyObject, parametersJsonSchema: anyObject }),
  },
  open,
)

const tool = obj({
  functionDeclarations: Type.Array(functionDeclaration),
  googleSearch: anyObject,
  googleSearchRetrieval: anyObject,
  codeExecution: anyObject,
  urlContext: anyObject,
})

const toolConfig = obj({
  functionCallingConfig: obj({ mode: Type.String(), allowedFunctionNames: Type.Array(Type.String()) }),
})

const thinkingConfig = obj({
  thinkingBudget: Type.Integer(),
  includeThoughts: Type.Boolean(),
  thinkingLevel: Type.String(),
})

const generationConfig = obj({
  temperature: Type.Number(),
  topP: Type.Number(),
  topK: Type.Number({ minimum: 0 }),
  candidateCount: Type.Integer({ minimum: 1 }),
  maxOutputTokens: Type.Integer({ minimum: 1 }),
  stopSequences: Type.Array(Type.String()),
  seed: Type.Integer(),
  presencePenalty: Type.Number(),
  frequencyPenalty: Type.Number(),
  responseMimeType: Type.String(),
  responseSchema: anyObject,
  responseJsonSchema: Type.Unknown(),
  thinkingConfig,
})

export const requestSchema = Type.Object(
  {
    contents: Type.Array(content),
    ...fields({
      systemInstruction,
      tools: Type.Array(tool),
      toolConfig,
      generationConfig,
      safetySettings: Type.Array(Type.Object({}, open)),
      cachedContent: Type.String(),
      labels: Type.Record(Type.String(), Type.String()),
    }),
  },
  open,
)

/** `POST /v1internal:generateContent` / `:streamGenerateContent` body. */
export const codeAssistRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    project: Type.Optional(Type.String()),
    user_prompt_id: Type.Optional(Type.String()),
    request: requestSchema,
  },
  open,
)
