/** Every dialect codec by name: the one place the server and the gateway look them up. */
import { anthropicMessages } from './anthropic-messages/index.ts'
import type { Dialect } from './contract.ts'
import { gemini } from './gemini/index.ts'
import type { DialectName } from './ir.ts'
import { openaiChat } from './openai-chat/index.ts'
import { openaiResponses } from './openai-responses/index.ts'

export const dialects: Readonly<Record<DialectName, Dialect>> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
  gemini,
}
