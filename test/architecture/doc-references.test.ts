/**
 * The repository carries its own design: a comment in src/ that cites a document names a file of
 * the repository (and, when it names a section, a heading of that file), never a document that
 * lives elsewhere. A broken citation fails here with the file and line.
 */
import { expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..', '..')
const SRC = join(ROOT, 'src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** The headings of a Markdown file, without their `#`s. */
function headings(file: string): Set<string> {
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) => l.replace(/^#+\s*/, '').trim()),
  )
}

/** A comment may be continued on the next line: join lines so `"Heading"` after a wrap is seen. */
function comments(text: string): { line: number; text: string }[] {
  const lines = text.split('\n')
  return lines.map((l, i) => ({
    line: i + 1,
    text: `${l} ${(lines[i + 1] ?? '').replace(/^\s*\*\s?/, '')}`,
  }))
}

test('every document a comment in src/ cites is a file of the repository, with that section', () => {
  const broken: string[] = []
  for (const file of files(SRC)) {
    const where = (line: number) => `${relative(ROOT, file)}:${line}`
    const text = readFileSync(file, 'utf8')
    for (const { line, text: l } of comments(text)) {
      if (!text.split('\n')[line - 1]?.match(/\.md\b|§/)) continue
      for (const m of l.matchAll(/([A-Za-z0-9_./-]+\.md)\b(?:,?\s*\(?"([^"]+)")?/g)) {
        const doc = m[1] as string
        const path = join(ROOT, doc)
        if (!doc.startsWith('docs/') || !existsSync(path)) {
          broken.push(`${where(line)} cites ${doc}, not a file of the repository's docs/`)
          continue
        }
        const section = m[2]
        if (section && !headings(path).has(section))
          broken.push(`${where(line)} cites ${doc} "${section}", no such heading`)
      }
      // a bare § section sign cites a document by number only: allowed for RFCs, which name themselves
      for (const m of text.split('\n')[line - 1]?.matchAll(/(\S*)\s*§/g) ?? []) {
        if (!/RFC/.test(l))
          broken.push(`${where(line)} cites a section (${m[0].trim()}) of a document it does not name`)
      }
    }
  }
  expect(broken).toEqual([])
})
