/** The fallback chain's steps as the config names them, and the error a failed chain answers with. */
import { describe, expect, test } from 'bun:test'
import { parseConfig } from '../../src/config/load.ts'
import { FallbackChain, fallbackSteps } from '../../src/gateway/fallback.ts'

const config = (yaml: string) => parseConfig(yaml, 'c.yaml').config
const claude = { model: 'claude-sonnet-4-5', providerId: 'claude' }

describe('fallbackSteps', () => {
  test('none configured: no steps', () => {
    expect(fallbackSteps(config('port: 0\n'), 'sonnet', claude)).toEqual([])
  })

  test('the chain of what the client asked wins over the provider fallback, in its order', () => {
    const c = config(
      'fallbacks:\n  sonnet: [claude/claude-sonnet-4-5, copilot/claude-sonnet-4.5, sonnet]\nproviders:\n  claude: { fallback: codex }\n',
    )
    // the client's own model is the primary route, never a step of its chain
    expect(fallbackSteps(c, 'sonnet', claude)).toEqual([
      'claude/claude-sonnet-4-5',
      'copilot/claude-sonnet-4.5',
    ])
    expect(fallbackSteps(c, 'claude-sonnet-4-5', claude)).toEqual(['codex/claude-sonnet-4-5'])
  })

  test('provider fallbacks are followed in turn, and a loop ends', () => {
    const c = config(
      'providers:\n  claude: { fallback: copilot }\n  copilot: { fallback: up }\n  up: { fallback: claude }\n',
    )
    expect(fallbackSteps(c, 'sonnet', claude)).toEqual(['copilot/claude-sonnet-4-5', 'up/claude-sonnet-4-5'])
  })
})

describe('FallbackChain.answer', () => {
  test('the 429 with the soonest Retry-After, else the last failure', () => {
    const chain = new FallbackChain()
    expect(chain.answer()).toBeUndefined()
    chain.failures.push({ info: { kind: 'overloaded', message: 'busy', status: 529 }, headers: {} })
    expect(chain.answer()?.info.status).toBe(529)
    chain.failures.push({
      info: { kind: 'rate_limit', message: 'slow', status: 429, retryAfter: 30 },
      headers: {},
    })
    chain.failures.push({
      info: { kind: 'rate_limit', message: 'soon', status: 429, retryAfter: 5 },
      headers: {},
    })
    chain.failures.push({ info: { kind: 'api_error', message: 'down', status: 502 }, headers: {} })
    expect(chain.answer()?.info.message).toBe('soon')
  })
})
