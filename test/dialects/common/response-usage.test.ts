import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Dialect } from '../../../src/dialects/contract.ts'
import { codeAssist } from '../../../src/dialects/gemini/code-assist.ts'
import { dialects } from '../../../src/dialects/registry.ts'

const FIXTURES = join(import.meta.dir, '../../fixtures')

/** Every response fixture of a dialect folder, parsed. */
function responses(folder: string, prefix: string): [string, unknown][] {
  return readdirSync(join(FIXTURES, folder))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, folder, f), 'utf8')) as unknown])
}

describe('responseUsage: the usage a passed-through answer is metered with', () => {
  const cases: [string, Dialect, [string, unknown][]][] = [
    ['openai-chat', dialects['openai-chat'], responses('openai-chat', 'response-')],
    ['openai-responses', dialects['openai-responses'], responses('openai-responses', 'response-')],
    ['anthropic-messages', dialects['anthropic-messages'], responses('anthropic-messages', 'response-')],
    ['gemini', dialects.gemini, responses('gemini', 'response-')],
    ['gemini code assist', codeAssist, responses('gemini', 'codeassist-response')],
  ]
  for (const [name, dialect, files] of cases) {
    test(`${name}: equals the usage of the full decode, for every response fixture`, () => {
      expect(files.length).toBeGreaterThan(0)
      let withUsage = 0
      for (const [, body] of files) {
        let full: unknown
        try {
          full = dialect.decodeResponse(body).usage
        } catch {
          continue // a fixture the full decoder refuses (malformed on purpose)
        }
        expect(dialect.responseUsage(body)).toEqual(full as never)
        if (full) withUsage++
      }
      expect(withUsage).toBeGreaterThan(0)
    })
  }
})
