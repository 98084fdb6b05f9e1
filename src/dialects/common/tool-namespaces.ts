/**
 * Responses `namespace` tools (Codex groups its sub-agent functions under one) for dialects that
 * have none: a namespaced function `close_agent` in `multi_agent_v1` is sent as the plain function
 * `multi_agent_v1__close_agent`, and the name the model calls is split back for the client.
 */
import type { Request } from '../ir.ts'

export const NAMESPACE_SEPARATOR = '__'

/** `ns__name`. */
function flat(namespace: string, name: string): string {
  return namespace + NAMESPACE_SEPARATOR + name
}

/**
 * Folds every namespace of `req` into function names, in place: function tools, tool calls of the
 * history and the names on their tool results (paired by call id). Returns the distinct
 * namespaces, in order of appearance, for splitting the answer's names back.
 */
export function flattenToolNamespaces(req: Request): string[] {
  const seen = new Set<string>()
  for (const t of req.tools ?? []) {
    if (t.kind !== 'function' || t.namespace === undefined) continue
    seen.add(t.namespace)
    t.name = flat(t.namespace, t.name)
    delete t.namespace
  }
  /** Flattened names by call id, for the results that answer them. */
  const calls = new Map<string, string>()
  for (const m of req.messages) {
    for (const p of m.content) {
      if (p.type !== 'tool_call' || p.namespace === undefined) continue
      seen.add(p.namespace)
      p.name = flat(p.namespace, p.name)
      delete p.namespace
      calls.set(p.id, p.name)
    }
  }
  if (calls.size > 0) {
    for (const m of req.messages) {
      for (const p of m.content) {
        if (p.type !== 'tool_result' || p.name === undefined) continue
        const name = calls.get(p.toolCallId)
        if (name !== undefined) p.name = name
      }
    }
  }
  return [...seen]
}

/**
 * `ns__name` → `{namespace: ns, name}` when `ns` is one of `namespaces` (the longest that fits);
 * any other name comes back as is.
 */
export function splitNamespacedName(
  name: string,
  namespaces: readonly string[],
): { namespace?: string; name: string } {
  let best: string | undefined
  for (const ns of namespaces) {
    const prefix = ns + NAMESPACE_SEPARATOR
    if (name.length > prefix.length && name.startsWith(prefix) && ns.length > (best?.length ?? -1)) best = ns
  }
  if (best === undefined) return { name }
  return { namespace: best, name: name.slice(best.length + NAMESPACE_SEPARATOR.length) }
}
