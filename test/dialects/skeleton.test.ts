/**
 * Every dialect folder has the same shape, so adding a dialect is copying a sibling's folder
 * (docs/architecture.md, "A dialect folder"): the same files, and an `index.ts` exporting the same
 * names. A folder missing a file or an export fails here with its name.
 */
import { expect, test } from 'bun:test'
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DIALECTS } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'

const ROOT = resolve(import.meta.dir, '..', '..', 'src', 'dialects')

/** The files every dialect folder has; a dialect may add files of its own. */
const COMMON_FILES = [
  'content.ts',
  'errors.ts',
  'index.ts',
  'reasoning.ts',
  'request.ts',
  'response.ts',
  'sampling.ts',
  'schema.ts',
  'stream-decode.ts',
  'stream-encode.ts',
  'tools.ts',
  'types.ts',
  'wire-facts.ts',
]

/** The longest a file in src/dialects may grow before it is split by concern. */
const MAX_LINES = 500

const folders = readdirSync(ROOT).filter((f) => f !== 'common' && statSync(join(ROOT, f)).isDirectory())

test('every dialect has a folder and every folder is a registered dialect', () => {
  expect([...folders].sort()).toEqual([...DIALECTS].sort())
  expect(Object.keys(dialects).sort()).toEqual([...DIALECTS].sort())
})

test('every dialect folder has the common files', () => {
  const missing = folders.flatMap((f) => {
    const have = new Set(readdirSync(join(ROOT, f)))
    return COMMON_FILES.filter((c) => !have.has(c)).map((c) => `${f}/${c}`)
  })
  expect(missing).toEqual([])
})

/**
 * What one dialect's `index.ts` exports beyond the common set, each with the reason it exists;
 * an export missing from the common set or not listed here fails the test.
 */
const DIALECT_ONLY: Record<string, Record<string, string>> = {
  'anthropic-messages': {
    countTokensSchema: 'the count_tokens route validates its body with it',
  },
  gemini: {
    codeAssist: 'the Code Assist envelope, a Gemini variant with codecs of its own',
    codeAssistRequestSchema: 'the Code Assist variant validates its body with it',
  },
  'openai-chat': {},
  'openai-responses': {},
}

test('every dialect index exports the common names, and only declared extras', async () => {
  const exportsOf = new Map<string, Set<string>>()
  for (const f of folders) {
    const mod = (await import(join(ROOT, f, 'index.ts'))) as Record<string, unknown>
    // the dialect object itself is named after its dialect (`openaiChat`, `gemini`…)
    const own = dialects[f as keyof typeof dialects]
    exportsOf.set(f, new Set(Object.keys(mod).filter((k) => mod[k] !== own)))
  }
  const common = [...(exportsOf.get(folders[0] as string) ?? [])].filter((k) =>
    folders.every((f) => exportsOf.get(f)?.has(k)),
  )
  expect(common.length).toBeGreaterThan(0)
  for (const f of folders) {
    const extra = [...(exportsOf.get(f) ?? [])].filter((k) => !common.includes(k)).sort()
    expect({ [f]: extra }).toEqual({ [f]: Object.keys(DIALECT_ONLY[f] ?? {}).sort() })
  }
})

/**
 * Members the contract leaves optional: a dialect without a token-count endpoint has no
 * `countTokens`, one whose upstreams take what its clients send has no `repairRequest`.
 */
const OPTIONAL_MEMBERS = new Set(['countTokens', 'repairRequest'])

test('every dialect object has the same members', () => {
  const members = (d: object) =>
    Object.keys(d)
      .filter((k) => !OPTIONAL_MEMBERS.has(k))
      .sort()
  const [first, ...rest] = DIALECTS.map((n) => dialects[n])
  for (const d of rest) expect({ [d.name]: members(d) }).toEqual({ [d.name]: members(first as object) })
})

test(`no file in src/dialects is over ${MAX_LINES} lines`, async () => {
  const long: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f)
      if (statSync(p).isDirectory()) await walk(p)
      else if (f.endsWith('.ts')) {
        const lines = (await Bun.file(p).text()).split('\n').length - 1
        if (lines > MAX_LINES) long.push(`${p.slice(ROOT.length + 1)}: ${lines}`)
      }
    }
  }
  await walk(ROOT)
  expect(long).toEqual([])
})
