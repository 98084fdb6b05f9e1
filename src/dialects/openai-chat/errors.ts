/** Chat Completions errors: the OpenAI envelope, shared with the Responses dialect (see common/openai-errors.ts). */
export { decodeError, encodeError, errorBody } from '../common/openai-errors.ts'
