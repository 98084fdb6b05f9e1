/** A short answer as IR stream events: start, one text block, finish with usage. */
import type { StreamEvent, Usage } from '../../src/dialects/ir.ts'

export function textTurn(
  text: string,
  start: Partial<StreamEvent & { type: 'start' }>,
  usage: Usage,
): StreamEvent[] {
  return [
    { type: 'start', id: 'id1', model: 'm', ...start },
    { type: 'block_start', index: 0, block: { kind: 'text' } },
    { type: 'text_delta', index: 0, text },
    { type: 'block_stop', index: 0 },
    { type: 'finish', stopReason: 'end_turn', usage },
  ]
}
