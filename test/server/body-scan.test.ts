/**
 * The body reader's one walk over a parsed body: nesting past the limit, and signatures this
 * gateway wrapped (which send a same-dialect request through the IR). It must say what
 * `carriesWrappedSignature` says on every body within the limit.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { carriesWrappedSignature, wrapSignature } from '../../src/dialects/common/provenance.ts'
import { MAX_JSON_DEPTH, scanBody, TOO_DEEP, WRAPPED } from '../../src/server/body.ts'

const wrapped = wrapSignature('sig', { dialect: 'anthropic-messages', provider: 'claude' })

/** `inner` inside `levels` arrays and objects. */
function nested(levels: number, inner: unknown): unknown {
  let v = inner
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { v }
  return v
}

describe('scanBody', () => {
  test('a clean body: nothing found', () => {
    expect(scanBody({ model: 'm', messages: [{ role: 'user', content: 'byok1 is not a prefix' }] }, 8)).toBe(
      0,
    )
  })

  test('a wrapped signature in an object or an array, at any depth', () => {
    expect(scanBody({ signature: wrapped }, 8)).toBe(WRAPPED)
    expect(scanBody({ a: [1, null, true, wrapped] }, 8)).toBe(WRAPPED)
    expect(scanBody(nested(20, { signature: wrapped }) as object, 64)).toBe(WRAPPED)
    // keys are not values: a key that looks wrapped is not a signature
    expect(scanBody({ [wrapped]: 'x' }, 8)).toBe(0)
  })

  test('nesting past the levels is too deep, also after a wrapped signature was seen', () => {
    expect(scanBody(nested(MAX_JSON_DEPTH, 'x') as object, MAX_JSON_DEPTH)).toBe(0)
    expect(scanBody(nested(MAX_JSON_DEPTH + 1, 'x') as object, MAX_JSON_DEPTH) & TOO_DEEP).toBe(TOO_DEEP)
    const both = { first: wrapped, next: nested(10, 'x') }
    expect(scanBody(both, 10) & TOO_DEEP).toBe(TOO_DEEP)
    expect(scanBody(both, 11)).toBe(WRAPPED)
  })

  test('says what carriesWrappedSignature says on fuzzed bodies', () => {
    const leaf = fc.oneof(fc.string(), fc.constant(wrapped), fc.integer(), fc.boolean(), fc.constant(null))
    const { tree } = fc.letrec((t) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(t('tree'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), t('tree'), { maxKeys: 4 }),
      ),
    }))
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), tree, { maxKeys: 5 }), (body) => {
        expect((scanBody(body, MAX_JSON_DEPTH) & WRAPPED) !== 0).toBe(carriesWrappedSignature(body))
      }),
      { numRuns: 400 },
    )
  })
})
