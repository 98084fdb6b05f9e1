import { describe, expect, test } from 'bun:test'
import { frameText, learnTextFrame } from '../../../src/dialects/openai-chat/text-frame.ts'
import { decodeChunks, sse } from './util.ts'

const HEAD =
  '{"id":"chatcmpl-9","object":"chat.completion.chunk","created":7,"model":"gpt-x","system_fingerprint":"fp_1","choices":['
const text = (content: string, more = '') =>
  `${HEAD}{"index":0,"delta":{"content":${content}},"logprobs":null,"finish_reason":null}]${more}}`

/** A stream whose text chunks share one frame, with the escapes and near-misses a real one has. */
const framed = [
  `${HEAD}{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
  text('"Hel"'),
  text('"lo \\"quoted\\" \\\\ back\\u00e9 é\\n"'),
  text('""'),
  text('"\\",\\"role\\":\\"x"'), // text that looks like JSON keys, escaped
  text('"tail"', ',"obfuscation":"abc"'), // an extra field: misses the frame
  text('"after"'),
  `${HEAD}{"index":0,"delta":{"reasoning_content":"hmm"},"logprobs":null,"finish_reason":null}]}`,
  text('"back to text"'),
  `${HEAD}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`,
  `${HEAD.replace('"choices":[', '"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14}')}}`,
  '[DONE]',
]

describe('Chat text frame', () => {
  test('a stream decodes to the same events whether its chunks fit the frame or are parsed whole', async () => {
    const fast = await decodeChunks([sse(framed)])
    // every later chunk made unique by a field the decoder ignores: nothing fits, all is parsed
    const slow = await decodeChunks([
      sse(
        framed.map((c, i) =>
          i === 0 || c === '[DONE]' ? c : c.replace('"created":7', `"created":7,"n${i}":${i}`),
        ),
      ),
    ])
    expect(fast).toEqual(slow)
    const texts = fast.flatMap((e) => (e.type === 'text_delta' ? [e.text] : []))
    expect(texts.join('')).toBe('Hello "quoted" \\ backé é\n","role":"xtailafterback to text')
    expect(fast.at(-1)).toMatchObject({ type: 'finish', stopReason: 'end_turn', usage: { outputTokens: 9 } })
  })

  test('only a single string between head and tail counts as a fit', () => {
    const frame = learnTextFrame(text('"a"'), JSON.parse(text('"a"')))!
    expect(frame).toBeDefined()
    expect(frameText(text('"b"'), frame)).toBe('b')
    expect(frameText(text('""'), frame)).toBe('')
    expect(frameText(text('"a\\"b"'), frame)).toBe('a"b')
    expect(frameText(text('"tab\\there"'), frame)).toBe('tab\there')
    expect(frameText(text('"raw\tcontrol"'), frame)).toBeUndefined() // not JSON: parsed whole, and refused
    expect(frameText(text('"a" , "b"'), frame)).toBeUndefined()
    expect(frameText(text('"b","role":"x"'), frame)).toBeUndefined()
    expect(frameText(text('"b"},{"index":1,"delta":{"content":"c"'), frame)).toBeUndefined()
    expect(frameText(text('null'), frame)).toBeUndefined()
    expect(frameText(text('"b"', ',"usage":null'), frame)).toBeUndefined()
  })

  test('no frame is learned from chunks the decoder does more with than take text', () => {
    for (const c of [
      `${HEAD}{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":"stop"}]}`,
      `${HEAD}{"index":0,"delta":{"role":"assistant","content":"x"},"logprobs":null,"finish_reason":null}]}`,
      `${HEAD}{"index":1,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}]}`,
      `${HEAD}{"index":0,"delta":{"content":"x"},"logprobs":{"content":[]},"finish_reason":null}]}`,
      text('"x"', ',"usage":{"prompt_tokens":1,"completion_tokens":1}'),
    ]) {
      expect(learnTextFrame(c, JSON.parse(c))).toBeUndefined()
    }
  })
})
