/**
 * Session affinity on its own: the session key from what each client sends, the bounded table
 * (least recently used forgotten, idle entries expire), and `Accounts` keeping a conversation on
 * its account until that account cools down, then on its new one.
 */
import { describe, expect, test } from 'bun:test'
import { Affinity } from '../../src/accounts/affinity.ts'
import { Accounts, failedWith, sessionKeyOf } from '../../src/accounts/index.ts'
import { ProviderRegistry } from '../../src/providers/registry.ts'
import { claudeWithKeys } from '../helpers/accounts-config.ts'

const none = new Headers()

describe('sessionKeyOf', () => {
  test("Claude Code's session header, then the session inside metadata.user_id", () => {
    const body = { metadata: { user_id: 'user_abc_account_11_session_s-1' }, messages: [] }
    expect(sessionKeyOf(new Headers({ 'x-claude-code-session-id': 'h-1' }), body)).toBe('cc:h-1')
    expect(sessionKeyOf(none, body)).toBe('cc:s-1')
    const json = { metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: 's-2' }) } }
    expect(sessionKeyOf(none, json)).toBe('cc:s-2')
  })

  test("Codex's session_id header, then prompt_cache_key", () => {
    const body = { prompt_cache_key: 'pk-1', input: 'hi' }
    expect(sessionKeyOf(new Headers({ session_id: 'x-1' }), body)).toBe('sid:x-1')
    expect(sessionKeyOf(none, body)).toBe('pck:pk-1')
  })

  test('else the system prompt and first user message: same for every turn, different per conversation', () => {
    const turn1 = {
      system: 'be brief',
      messages: [{ role: 'user', content: 'first question' }],
    }
    const turn2 = {
      system: 'be brief',
      messages: [...turn1.messages, { role: 'assistant', content: 'a' }, { role: 'user', content: 'more' }],
    }
    const other = { system: 'be brief', messages: [{ role: 'user', content: 'another question' }] }
    const k = sessionKeyOf(none, turn1)
    expect(k).toMatch(/^h:/)
    expect(sessionKeyOf(none, turn2)).toBe(k!)
    expect(sessionKeyOf(none, other)).not.toBe(k!)
    // a user id naming no session tells no conversations apart: the hash decides
    expect(sessionKeyOf(none, { ...turn1, metadata: { user_id: 'user_abc' } })).toBe(k!)
  })

  test('every dialect has its opening: chat, responses, gemini; nothing to hash is no key', () => {
    const chat = {
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q' },
      ],
    }
    const chatOther = {
      messages: [
        { role: 'system', content: 't' },
        { role: 'user', content: 'q' },
      ],
    }
    expect(sessionKeyOf(none, chat)).not.toBe(sessionKeyOf(none, chatOther)!)
    const responses = { instructions: 'i', input: [{ role: 'user', content: 'q' }] }
    expect(sessionKeyOf(none, responses)).toMatch(/^h:/)
    expect(sessionKeyOf(none, { instructions: 'i', input: 'q' })).toMatch(/^h:/)
    const gemini = { contents: [{ role: 'user', parts: [{ text: 'q' }] }] }
    expect(sessionKeyOf(none, gemini)).toMatch(/^h:/)
    expect(sessionKeyOf(none, { messages: [] })).toBeUndefined()
    expect(sessionKeyOf(none, {})).toBeUndefined()
  })
})

describe('Affinity table', () => {
  test('bounded: the least recently used conversation is forgotten first', () => {
    const t = new Affinity(() => 0, 2)
    t.set('p', 's1', 'a')
    t.set('p', 's2', 'b')
    expect(t.get('p', 's1')).toBe('a') // s1 used: s2 is now the oldest
    t.set('p', 's3', 'c')
    expect(t.size).toBe(2)
    expect(t.get('p', 's2')).toBeUndefined()
    expect(t.get('p', 's1')).toBe('a')
    expect(t.get('p', 's3')).toBe('c')
  })

  test('an entry idle longer than its time is gone; each use renews it', () => {
    const clock = { now: 0 }
    const t = new Affinity(() => clock.now, 10, 1000)
    t.set('p', 's', 'a')
    clock.now = 900
    expect(t.get('p', 's')).toBe('a')
    clock.now = 1800
    expect(t.get('p', 's')).toBe('a')
    clock.now = 2801
    expect(t.get('p', 's')).toBeUndefined()
    expect(t.size).toBe(0)
  })
})

const claude = new ProviderRegistry().builtin.claude!
function setup(extra: Record<string, unknown> = {}) {
  const config = claudeWithKeys(['a', 'b', 'c'], extra)
  const clock = { now: Date.parse('2026-12-07T14:00:00Z') }
  const accounts = new Accounts(undefined, () => clock.now)
  /** One turn of conversation `s`: the first candidate answers. */
  const turn = (s: string | undefined) => {
    const first = accounts.candidates(claude, config, undefined, () => s).credentials[0]!.label
    accounts.report('claude', first, { kind: 'ok' }, config, () => s)
    return first
  }
  return { config, clock, accounts, turn }
}

describe('Accounts with affinity', () => {
  test('a conversation stays on its account; round robin spreads new ones', () => {
    const { turn } = setup()
    const firsts = ['s1', 's2', 's3'].map(turn)
    expect(new Set(firsts).size).toBe(3)
    for (let i = 0; i < 5; i++) expect(['s1', 's2', 's3'].map(turn)).toEqual(firsts)
  })

  test('a lone credential never reads the conversation key; a second one does', () => {
    const reads = { n: 0 }
    const session = () => {
      reads.n++
      return 's'
    }
    const accounts = new Accounts(undefined, () => 0)
    const one = claudeWithKeys(['a'])
    for (let i = 0; i < 3; i++) {
      const [c] = accounts.candidates(claude, one, undefined, session).credentials
      accounts.report('claude', c!.label, { kind: 'ok' }, one, session)
    }
    expect(reads.n).toBe(0)
    const two = claudeWithKeys(['a', 'b'])
    const [c] = accounts.candidates(claude, two, undefined, session).credentials
    accounts.report('claude', c!.label, { kind: 'ok' }, two, session)
    expect(reads.n).toBeGreaterThan(0)
    // the conversation is now pinned: its next turn goes to the same account
    expect(accounts.candidates(claude, two, undefined, session).credentials[0]!.label).toBe(c!.label)
  })

  test('affinity: false lets the strategy decide every turn', () => {
    const { turn } = setup({ affinity: false })
    expect([turn('s'), turn('s'), turn('s')]).toEqual(['a', 'b', 'c'])
  })

  test('its account cooling down moves the conversation, and it stays on the new one after the cooldown', () => {
    const { config, clock, accounts, turn } = setup()
    const s1 = turn('s1')
    const s2 = turn('s2')
    accounts.report('claude', s1, failedWith(429, undefined, 5), config)
    const moved = turn('s1')
    expect(moved).not.toBe(s1)
    expect(turn('s2')).toBe(s2)
    clock.now += 5000
    // the healed account is probed by a request without a usable account of its own
    expect(turn('new')).toBe(s1)
    expect(turn('s1')).toBe(moved)
    expect(turn('s2')).toBe(s2)
  })

  test('a request whose conversation has a healthy account leaves the probe to another', () => {
    const { config, clock, accounts, turn } = setup()
    const s1 = turn('s1')
    const other = ['a', 'b', 'c'].find((l) => l !== s1)!
    accounts.report('claude', other, failedWith(429, undefined, 1), config)
    clock.now += 1000
    expect(turn('s1')).toBe(s1)
    expect(turn(undefined)).toBe(other)
  })
})
