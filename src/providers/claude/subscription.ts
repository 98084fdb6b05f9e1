/**
 * What the Anthropic API expects of a Claude Pro/Max subscription token
 * (docs/protocols/claude-subscription.md, "Calls"): a Bearer token with the `oauth-2025-04-20`
 * beta, `?beta=true`, Claude Code's client headers, and a system prompt that starts with Claude
 * Code's identity block.
 */

export const CLAUDE_CODE_IDENTITY = "You are Claude Code, Anthropic's official CLI for Claude."
const REQUIRED_BETAS = ['oauth-2025-04-20', 'claude-code-20250219']
const CLI_VERSION = '2.1.109'

/** The client's betas plus the ones a subscription token needs, each once, in order. */
export function subscriptionBetas(clientBeta: string | null): string {
  const betas = (clientBeta ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
  for (const b of REQUIRED_BETAS) if (!betas.includes(b)) betas.push(b)
  return betas.join(',')
}

export function subscriptionHeaders(token: string, inbound: Headers): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'anthropic-beta': subscriptionBetas(inbound.get('anthropic-beta')),
    'user-agent': inbound.get('user-agent')?.startsWith('claude-cli/')
      ? inbound.get('user-agent')!
      : `claude-cli/${CLI_VERSION} (external, cli)`,
    'x-app': 'cli',
  }
}

/** The body with Claude Code's identity block first in `system` (added once, never duplicated). */
export function withIdentityBlock(body: Record<string, unknown>): Record<string, unknown> {
  const identity = { type: 'text', text: CLAUDE_CODE_IDENTITY }
  const system = body['system']
  if (typeof system === 'string') {
    if (system.startsWith(CLAUDE_CODE_IDENTITY)) return body
    return { ...body, system: system ? [identity, { type: 'text', text: system }] : [identity] }
  }
  if (Array.isArray(system)) {
    const has = system.some(
      (b) => typeof b === 'object' && b !== null && (b as { text?: unknown }).text === CLAUDE_CODE_IDENTITY,
    )
    return has ? body : { ...body, system: [identity, ...system] }
  }
  return { ...body, system: [identity] }
}
