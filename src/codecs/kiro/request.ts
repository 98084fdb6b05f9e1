/**
 * IR request → Kiro's conversation-state body (docs/protocols/kiro.md, "Request body"): the
 * turns before the last user turn go to `history`, alternating user and assistant; the last user
 * turn is `currentMessage`, with the tool results it answers and the tool declarations.
 *
 * Kiro has no system prompt, no sampling fields and no tool choice: the system prompt leads the
 * first user turn; the rest is dropped. Consecutive turns of one side are merged (Kiro wants them
 * alternating). Images go as base64 bytes; a URL image cannot be sent (the codec does no I/O).
 */
import { isObject, parseArguments } from '../../dialects/common/json.ts'
import type { EncodeRequestOptions } from '../../dialects/contract.ts'
import {
  DialectError,
  type Message,
  type Part,
  type Request,
  type ToolResultPart,
} from '../../dialects/ir.ts'

export const ORIGIN = 'AI_EDITOR'
/** Kiro's answer to a request whose last turn is the assistant's: a user turn must come last. */
export const CONTINUE_PROMPT = 'Continue.'

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
}

interface KiroImage {
  format: string
  source: { bytes: string }
}
interface KiroToolResult {
  toolUseId: string
  status: 'success' | 'error'
  content: { text: string }[]
}
interface UserTurn {
  content: string
  images: KiroImage[]
  toolResults: KiroToolResult[]
}
interface AssistantTurn {
  content: string
  toolUses: { toolUseId: string; name: string; input: Record<string, unknown> }[]
}
type Turn = { user: UserTurn } | { assistant: AssistantTurn }

function joinText(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}\n\n${b}`
}

function imageOf(part: Part & { type: 'image' }, path: string): KiroImage {
  if (part.source.kind !== 'base64') {
    throw new DialectError('Kiro takes images only as base64 data, not as URLs or file ids', path)
  }
  const format = IMAGE_FORMATS[part.source.mediaType.toLowerCase()]
  if (!format) throw new DialectError(`Kiro does not take images of type ${part.source.mediaType}`, path)
  return { format, source: { bytes: part.source.data } }
}

function toolResultOf(r: ToolResultPart): KiroToolResult {
  const text = r.content
    .map((c) => (c.type === 'text' ? c.text : `[${c.type} omitted: Kiro tool results carry text only]`))
    .join('\n')
  return { toolUseId: r.toolCallId, status: r.isError ? 'error' : 'success', content: [{ text }] }
}

function userTurn(m: Message, path: string): UserTurn {
  const t: UserTurn = { content: '', images: [], toolResults: [] }
  m.content.forEach((p, i) => {
    if (p.type === 'text') t.content = joinText(t.content, p.text)
    else if (p.type === 'image') t.images.push(imageOf(p, `${path}.content.${i}`))
    else if (p.type === 'tool_result') t.toolResults.push(toolResultOf(p))
    else if (p.type === 'file' || p.type === 'audio') {
      throw new DialectError(`Kiro does not take ${p.type} parts`, `${path}.content.${i}`)
    }
  })
  return t
}

function assistantTurn(m: Message): AssistantTurn {
  const t: AssistantTurn = { content: '', toolUses: [] }
  for (const p of m.content) {
    if (p.type === 'text') t.content = joinText(t.content, p.text)
    else if (p.type === 'tool_call') {
      t.toolUses.push({ toolUseId: p.id, name: p.name, input: parseArguments(p.arguments) })
    }
    // thinking of an earlier turn has no place in Kiro's history: it came from tags in the text
  }
  return t
}

/** The IR's messages as alternating turns, merged where one side spoke twice. */
function turnsOf(req: Request): Turn[] {
  const turns: Turn[] = []
  req.messages.forEach((m, i) => {
    const path = `messages.${i}`
    const last = turns[turns.length - 1]
    if (m.role === 'system') {
      // a system message mid-conversation is read as the user's text at that point
      const text = m.content.map((p) => (p.type === 'text' ? p.text : '')).join('')
      const u: UserTurn = { content: text, images: [], toolResults: [] }
      if (last && 'user' in last) last.user.content = joinText(last.user.content, text)
      else turns.push({ user: u })
      return
    }
    if (m.role === 'assistant') {
      const a = assistantTurn(m)
      if (last && 'assistant' in last) {
        last.assistant.content = joinText(last.assistant.content, a.content)
        last.assistant.toolUses.push(...a.toolUses)
      } else turns.push({ assistant: a })
      return
    }
    const u = userTurn(m, path)
    if (last && 'user' in last) {
      last.user.content = joinText(last.user.content, u.content)
      last.user.images.push(...u.images)
      last.user.toolResults.push(...u.toolResults)
    } else turns.push({ user: u })
  })
  return turns
}

function userMessage(u: UserTurn, modelId: string, tools?: unknown[]): Record<string, unknown> {
  const msg: Record<string, unknown> = { content: u.content, modelId, origin: ORIGIN }
  if (u.images.length > 0) msg['images'] = u.images
  const context: Record<string, unknown> = {}
  if (u.toolResults.length > 0) context['toolResults'] = u.toolResults
  if (tools && tools.length > 0) context['tools'] = tools
  if (Object.keys(context).length > 0) msg['userInputMessageContext'] = context
  return { userInputMessage: msg }
}

function assistantMessage(a: AssistantTurn): Record<string, unknown> {
  const msg: Record<string, unknown> = { content: a.content }
  if (a.toolUses.length > 0) msg['toolUses'] = a.toolUses
  return { assistantResponseMessage: msg }
}

function toolSpecs(req: Request): unknown[] {
  const out: unknown[] = []
  for (const t of req.tools ?? []) {
    if (t.kind !== 'function') continue
    out.push({
      toolSpecification: {
        name: t.name,
        // Kiro refuses an empty description
        description: t.description && t.description.trim() !== '' ? t.description : t.name,
        inputSchema: { json: isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} } },
      },
    })
  }
  return out
}

/** `conversationId`: a new one per call unless the caller names one (tests). */
export function encodeRequest(
  req: Request,
  opts: EncodeRequestOptions & { conversationId?: string } = {},
): Record<string, unknown> {
  const modelId = opts.model ?? req.model
  const turns = turnsOf(req)
  const system = req.system.map((p) => p.text).join('\n\n')
  if (system !== '') {
    const first = turns.find((t): t is { user: UserTurn } => 'user' in t)
    if (first) first.user.content = joinText(system, first.user.content)
    else turns.unshift({ user: { content: system, images: [], toolResults: [] } })
  }
  let last = turns.pop()
  if (!last) throw new DialectError('Kiro needs at least one message', 'messages')
  if ('assistant' in last) {
    turns.push(last)
    last = { user: { content: CONTINUE_PROMPT, images: [], toolResults: [] } }
  }
  // Kiro refuses a turn without text: a turn of only tool results says so in words
  const current = last.user
  if (current.content === '') current.content = current.toolResults.length > 0 ? 'Tool results.' : '.'
  const history = turns.map((t) =>
    'user' in t
      ? userMessage({ ...t.user, content: t.user.content || '.' }, modelId)
      : assistantMessage(t.assistant),
  )
  const state: Record<string, unknown> = {
    chatTriggerType: 'MANUAL',
    conversationId: opts.conversationId ?? crypto.randomUUID(),
    currentMessage: userMessage(current, modelId, toolSpecs(req)),
  }
  if (history.length > 0) state['history'] = history
  return { conversationState: state }
}

/** A user turn with `modelId` set (a new object; anything else as it was). */
function turnWithModel(turn: unknown, model: string): unknown {
  if (!isObject(turn)) return turn
  const u = turn['userInputMessage']
  if (!isObject(u) || u['modelId'] === model) return turn
  return { ...turn, userInputMessage: { ...u, modelId: model } }
}

/**
 * The body with `modelId` set on every user turn, copying only the turns it changes: the plan's
 * body is shared by the attempts of a request and must not change.
 */
export function withModelId(body: Record<string, unknown>, model: string): Record<string, unknown> {
  const state = body['conversationState']
  if (!isObject(state)) return body
  const next: Record<string, unknown> = {
    ...state,
    currentMessage: turnWithModel(state['currentMessage'], model),
  }
  if (Array.isArray(state['history'])) next['history'] = state['history'].map((t) => turnWithModel(t, model))
  return { ...body, conversationState: next }
}

/** Sets `modelId` on every user turn of a conversation-state body (in place: the body is the caller's own). */
export function setModel(body: Record<string, unknown>, model: string): void {
  const next = withModelId(body, model)
  body['conversationState'] = next['conversationState']
}
