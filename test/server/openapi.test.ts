/** The OpenAPI document: valid for a maintained validator, and a description of every route the app serves. */
import { describe, expect, test } from 'bun:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Value } from '@sinclair/typebox/value'
import type { DialectName } from '../../src/dialects/ir.ts'
import { dialects } from '../../src/dialects/registry.ts'
import { createApp } from '../../src/server/app.ts'
import { RequestContexts } from '../../src/server/context.ts'
import { ERROR_SCHEMAS, openApiDocument } from '../../src/server/openapi.ts'
import { testGateway } from '../helpers/gateway.ts'
import { runCli } from '../helpers/process.ts'
import { httpText, portOf, rawRequest } from '../helpers/raw-http.ts'

interface Operation {
  requestBody?: { content: { 'application/json': { schema: { $ref: string } } } }
}
interface Doc {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown> }
}

/** `/v1beta/models/*` and `/v1/models/:id` as a regex over concrete paths. */
function routeRegex(pattern: string): RegExp {
  const body = pattern
    .split('/')
    .map((seg) =>
      seg === '*' ? '.+' : seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/')
  return new RegExp(`^${body}$`)
}

/** A documented path with each `{param}` filled in. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x')

describe('OpenAPI document', () => {
  test('GET /openapi.json validates with @seriousme/openapi-schema-validator and equals `byokey openapi`', async () => {
    await using gw = await testGateway({
      providers: { claude: { api_key: 'sk-ant-never-in-the-document-123456' } },
    })
    const res = await fetch(`${gw.url}/openapi.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const text = await res.text()
    expect(text).not.toContain('never-in-the-document')
    const doc = JSON.parse(text) as Doc & { openapi: string }
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0])
    expect(result).toEqual({ valid: true })

    const cli = await runCli(['openapi'])
    expect(cli.code).toBe(0)
    expect({ ...JSON.parse(cli.stdout), info: null }).toEqual({ ...doc, info: null })
  })

  test('every route the app serves is documented, and every documented path is served', async () => {
    await using gw = await testGateway()
    // Only the route table is read: no handler runs, so no log or token manager is needed.
    const app = createApp({
      config: gw.config,
      store: gw.store,
      log: undefined as never,
      tokens: undefined as never,
      version: 'test',
      contexts: new RequestContexts(),
    })
    const doc = openApiDocument('test') as unknown as Doc
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: concrete(path) })),
    )
    const routes = app.routes.map((r) => ({ method: r.method, regex: routeRegex(r.path), route: r }))
    expect(routes.length).toBeGreaterThan(10)
    for (const r of routes) {
      const docs = documented.filter((d) => d.method === r.method && r.regex.test(d.path))
      expect({ route: `${r.method} ${r.route.path}`, documented: docs.length > 0 }).toEqual({
        route: `${r.method} ${r.route.path}`,
        documented: true,
      })
      // the documented body is the schema the route validates with
      const body = r.route.hooks?.body
      for (const d of body ? docs : []) {
        const op = Object.entries(doc.paths).find(([p]) => concrete(p) === d.path)?.[1][
          d.method.toLowerCase()
        ]
        const name = op?.requestBody?.content['application/json'].schema.$ref.split('/').pop() ?? ''
        expect(doc.components.schemas[name]).toEqual(JSON.parse(JSON.stringify(body)))
      }
    }
    for (const d of documented) {
      const served = routes.some((r) => r.method === d.method && r.regex.test(d.path))
      expect({ ...d, served }).toEqual({ ...d, served: true })
    }
    const paths = Object.keys(doc.paths)
    for (const p of [
      '/v1beta/models/{model}:generateContent',
      '/v1beta/models/{model}:streamGenerateContent',
      '/v1beta/models/{model}:countTokens',
      '/v1/messages/count_tokens',
      '/v1/models',
      '/healthz',
      '/readyz',
    ]) {
      expect(paths).toContain(p)
    }
  })

  test('each dialect’s error body matches the envelope the document names', () => {
    for (const d of Object.keys(ERROR_SCHEMAS) as DialectName[]) {
      for (const kind of ['invalid_request', 'not_found', 'rate_limit'] as const) {
        const { body } = dialects[d].encodeError({ kind, message: 'm', param: 'p', code: 'c' })
        expect({ d, kind, ok: Value.Check(ERROR_SCHEMAS[d], body) }).toEqual({ d, kind, ok: true })
      }
    }
  })

  test('/openapi.json obeys the Host check and needs no JSON content type', async () => {
    await using gw = await testGateway()
    const port = portOf(gw.url)
    const send = (host: string) =>
      rawRequest(port, httpText('GET', '/openapi.json', { host, connection: 'close' }))
    expect((await send(`evil.example:${port}`)).status).toBe(421)
    const ok = await send(`127.0.0.1:${port}`)
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body).openapi).toBe('3.1.0')
  })
})
