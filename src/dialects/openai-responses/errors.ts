/** Responses errors: the OpenAI envelope plus the Codex backend's shapes (see common/openai-errors.ts). */
export { codeFor, decodeError, encodeError, errorInfoOf } from '../common/openai-errors.ts'
