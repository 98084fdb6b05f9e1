/** Scriptable fake upstreams (Anthropic, OpenAI Chat/Responses/Codex, Gemini/Code Assist) for offline tests. */
export * from './anthropic.ts'
export * from './antigravity.ts'
export * from './gemini.ts'
export * from './openai.ts'
export * from './script.ts'
export * from './server.ts'
