/**
 * The output items a Responses stream builds (stream-encode.ts): each item's and block's state
 * while open, and the item object written when it closes (`output_item.done`, and its entry in
 * the final response's `output`).
 */
import type { JsonObject } from '../common/json.ts'
import type { Provenance } from '../ir.ts'

export class Item {
  /** Content parts (message), summary texts and raw reasoning texts (reasoning). */
  readonly texts: string[] = []
  readonly contents: string[] = []
  encrypted: string | undefined
  args = ''
  callId = ''
  name = ''
  namespace: string | undefined
  /** Blocks of this item still open. */
  open = 0
  closed = false
  readonly idq: string
  constructor(
    readonly kind: 'message' | 'reasoning' | 'function_call',
    readonly id: string,
    /** The IR's item id, which later blocks must repeat to continue this item. */
    readonly srcItemId: string | undefined,
    readonly outputIndex: number,
  ) {
    this.idq = JSON.stringify(id)
  }
}

export class Block {
  text = ''
  /** Content / summary index inside the item; -1 until a reasoning part opens on first text. */
  part = -1
  constructor(
    readonly kind: 'text' | 'thinking' | 'tool_call',
    readonly item: Item,
    readonly summary: boolean,
    readonly provenance: Provenance | undefined,
  ) {}
}

/** The item object `output_item.done` carries for a closed item, also its entry in `output`. */
export function doneItem(it: Item): JsonObject {
  let item: JsonObject
  switch (it.kind) {
    case 'message':
      item = {
        id: it.id,
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: it.texts.map((text) => ({ type: 'output_text', text, annotations: [] })),
      }
      break
    case 'reasoning':
      item = {
        id: it.id,
        type: 'reasoning',
        summary: it.texts.map((text) => ({ type: 'summary_text', text })),
      }
      if (it.contents.length > 0) item.content = it.contents.map((text) => ({ type: 'reasoning_text', text }))
      if (it.encrypted) item.encrypted_content = it.encrypted
      break
    case 'function_call':
      item = {
        id: it.id,
        type: 'function_call',
        status: 'completed',
        call_id: it.callId,
        name: it.name,
      }
      if (it.namespace !== undefined) item.namespace = it.namespace
      item.arguments = it.args === '' ? '{}' : it.args
      break
  }
  return item
}
