/** `<thinking>` runs split out of Kiro's text, however the text is chunked. */
import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { type TextRun, ThinkingTagSplitter } from '../../../src/codecs/kiro/index.ts'
import { cutAt } from '../../helpers/aws-event-stream.ts'

function split(chunks: readonly string[]): TextRun[] {
  const s = new ThinkingTagSplitter()
  const runs = [...chunks.flatMap((c) => s.push(c)), ...s.end()]
  // adjacent runs of one kind are one run, whatever the chunking
  const out: TextRun[] = []
  for (const r of runs) {
    const last = out.at(-1)
    if (last && last.thinking === r.thinking) last.text += r.text
    else out.push({ ...r })
  }
  return out
}

test('a leading thinking run becomes thinking; the blank line after it is dropped', () => {
  expect(split(['<thinking>plan it</thinking>\n\nThe answer.'])).toEqual([
    { thinking: true, text: 'plan it' },
    { thinking: false, text: 'The answer.' },
  ])
})

test('text without tags is text, untouched', () => {
  expect(split(['  hello ', 'world'])).toEqual([{ thinking: false, text: '  hello world' }])
})

test('a tag after the answer began is text', () => {
  expect(split(['Use <thinking> tags like <thinking>this</thinking>.'])).toEqual([
    { thinking: false, text: 'Use <thinking> tags like <thinking>this</thinking>.' },
  ])
})

test('an unclosed thinking run stays thinking to the end', () => {
  expect(split(['<thin', 'king>still going'])).toEqual([{ thinking: true, text: 'still going' }])
})

test('a lone "<" that is not a tag comes out as text', () => {
  expect(split(['<', 'b>bold'])).toEqual([{ thinking: false, text: '<b>bold' }])
})

test('any chunking of a text gives the same runs as one chunk', () => {
  const arbText = fc.tuple(
    fc.constantFrom('', '\n', '  '),
    fc.option(fc.string({ maxLength: 40 }).filter((s) => !s.includes('</thinking>'))),
    fc.string({ maxLength: 40 }),
  )
  fc.assert(
    fc.property(arbText, fc.array(fc.nat(), { maxLength: 20 }), ([lead, thought, answer], cuts) => {
      const text = `${lead}${thought === null ? '' : `<thinking>${thought}</thinking>\n\n`}${answer}`
      expect(split(cutAt(text, cuts))).toEqual(split([text]))
    }),
    { numRuns: 500 },
  )
})
