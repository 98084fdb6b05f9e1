/**
 * Request bodies shaped like a coding agent's (Claude Code, Codex): a long system prompt, dozens
 * of tool schemas and a history of turns with tool calls and tool results, grown until the JSON
 * reaches a size. The text is deterministic and varied, so every run sends the same bytes.
 */

const WORDS =
  'the file module function returns value error test build config request response stream token model user assistant tool call result change line path search read write edit run command output check type import export class method async await'.split(
    ' ',
  )

/** `n` bytes (about) of prose, different for each seed. */
function prose(n: number, seed: number): string {
  const out: string[] = []
  let len = 0
  for (let i = 0; len < n; i++) {
    const w = WORDS[(i * 7 + seed * 13 + ((i * seed) % 5)) % WORDS.length]!
    out.push(w)
    len += w.length + 1
  }
  return out.join(' ')
}

/** The JSON Schema of a tool's input, as agents declare them (typed properties with descriptions). */
function toolInputSchema(i: number) {
  return {
    type: 'object',
    properties: {
      path: { type: 'string', description: prose(120, i) },
      pattern: { type: 'string', description: prose(80, i + 1) },
      limit: { type: 'integer', minimum: 1, description: prose(60, i + 2) },
      options: {
        type: 'object',
        properties: { recursive: { type: 'boolean' }, glob: { type: 'string' } },
        description: prose(80, i + 3),
      },
      mode: { type: 'string', enum: ['read', 'write', 'append'], description: prose(40, i + 4) },
    },
    required: ['path'],
    additionalProperties: false,
  }
}

const TOOLS = 40
const toolName = (i: number) => `tool_${i}_${WORDS[i % WORDS.length]}`

/** One turn of history: the user asks, the assistant calls a tool, the tool answers, the assistant sums up. */
interface Turn {
  ask: string
  callId: string
  tool: string
  args: { path: string; pattern: string }
  result: string
  answer: string
}

function turn(i: number): Turn {
  return {
    ask: prose(600, i),
    callId: `call_${i}`,
    tool: toolName(i % TOOLS),
    args: { path: `src/module_${i}.ts`, pattern: prose(40, i) },
    result: prose(3000, i + 100),
    answer: prose(500, i + 200),
  }
}

/** Turns of history until they fill about `fill` bytes. */
function history<M>(fill: number, toMessages: (t: Turn) => M[]): M[] {
  const out: M[] = []
  let len = 0
  for (let i = 0; len < fill; i++) {
    const ms = toMessages(turn(i))
    for (const m of ms) len += JSON.stringify(m).length
    out.push(...ms)
  }
  return out
}

/** The part of the size the history fills: what the system prompt and tools leave. */
const systemBytes = (bytes: number) => Math.max(4096, Math.floor(bytes * 0.15))

/** An OpenAI Chat Completions request of about `kb` KiB. */
export function agentChatBody(kb: number, model: string, stream: boolean): string {
  const bytes = kb * 1024
  const system = prose(systemBytes(bytes), 1)
  const tools = Array.from({ length: TOOLS }, (_, i) => ({
    type: 'function',
    function: { name: toolName(i), description: prose(200, i), parameters: toolInputSchema(i) },
  }))
  const fixed = JSON.stringify(tools).length + system.length
  const messages = [
    { role: 'system', content: system },
    ...history(bytes - fixed, (t) => [
      { role: 'user', content: t.ask },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: t.callId, type: 'function', function: { name: t.tool, arguments: JSON.stringify(t.args) } },
        ],
      },
      { role: 'tool', tool_call_id: t.callId, content: t.result },
      { role: 'assistant', content: t.answer },
    ]),
    { role: 'user', content: 'Say hello.' },
  ]
  return JSON.stringify({ model, stream, messages, tools, metadata: { run: 'bench' } })
}

/** An Anthropic Messages request of about `kb` KiB. */
export function agentMessagesBody(kb: number, model: string, stream: boolean): string {
  const bytes = kb * 1024
  const system = [{ type: 'text', text: prose(systemBytes(bytes), 1), cache_control: { type: 'ephemeral' } }]
  const tools = Array.from({ length: TOOLS }, (_, i) => ({
    name: toolName(i),
    description: prose(200, i),
    input_schema: toolInputSchema(i),
  }))
  const fixed = JSON.stringify(tools).length + system[0]!.text.length
  const messages = [
    ...history(bytes - fixed, (t) => [
      { role: 'user', content: t.ask },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: t.callId, name: t.tool, input: t.args }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: t.callId, content: t.result }] },
      { role: 'assistant', content: [{ type: 'text', text: t.answer }] },
    ]),
    { role: 'user', content: 'Say hello.' },
  ]
  return JSON.stringify({ model, max_tokens: 512, stream, system, tools, messages })
}
