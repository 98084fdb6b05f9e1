/**
 * The layering of the source, checked: each folder imports only itself and the layers below it
 * (`ALLOWED`), and dialects stay pure (no I/O, no config, no logging). A violation names the file
 * and the import.
 */
import { expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dir, '..', '..', 'src')

/** Folder (under src/) → the src-relative prefixes its files may import. */
const ALLOWED: Record<string, string[]> = {
  config: ['config/'],
  store: ['store/'],
  // what several instances agree on in real time (locks, windows, notices): local or Redis
  coordination: ['coordination/', 'store/types.ts'],
  oauth: ['oauth/', 'store/', 'coordination/'],
  dialects: ['dialects/', 'sse.ts'],
  // wire formats below the dialects that no client speaks (the AWS event stream), and the
  // upstream-only codecs built on them (Kiro); pure like the dialects
  codecs: ['codecs/', 'dialects/ir.ts', 'dialects/contract.ts', 'dialects/common/'],
  providers: ['providers/', 'codecs/', 'dialects/', 'oauth/', 'store/', 'coordination/', 'config/'],
  routing: ['routing/', 'providers/', 'config/', 'dialects/ir.ts'],
  // which credentials a request tries and what each outcome means for the account
  accounts: ['accounts/', 'providers/', 'oauth/', 'store/', 'coordination/', 'config/'],
  // one request's path, below the server (routes, HTTP) and above what it calls
  gateway: [
    'gateway/',
    'accounts/',
    'routing/',
    'providers/',
    'dialects/',
    'oauth/',
    'store/',
    'coordination/',
    'config/',
    'sse.ts',
    'log.ts',
    'bytes.ts',
  ],
}

/** Packages a pure layer may use (no I/O, no logging). */
const PURE_PACKAGES = ['@sinclair/typebox']
/** Layers that do no I/O, no config, no logging. */
const PURE_LAYERS = ['dialects', 'codecs']

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
}

test('imports point down only, as ALLOWED lays the layers out', () => {
  const violations: string[] = []
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    for (const file of files(join(SRC, layer))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) {
          const isNode = spec.startsWith('node:') || spec.startsWith('bun:') || spec === 'bun'
          if (PURE_LAYERS.includes(layer) && (isNode || !PURE_PACKAGES.includes(spec))) {
            violations.push(`${relative(SRC, file)} imports ${spec} (${layer} are pure)`)
          }
          continue
        }
        const target = relative(SRC, resolve(file, '..', spec))
        if (!allowed.some((a) => target === a || target.startsWith(a))) {
          violations.push(`${relative(SRC, file)} imports ${target}`)
        }
      }
    }
  }
  expect(violations).toEqual([])
})
