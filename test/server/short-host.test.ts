/**
 * Container service names are short (`gw`, `api`) and often on port 80, where the client sends no
 * port: the router must find the path behind any host, health checks and inference alike.
 */
import { describe, expect, test } from 'bun:test'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { testGateway } from '../helpers/gateway.ts'
import { httpText, portOf, rawRequest } from '../helpers/raw-http.ts'

const CHAT = { model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }

describe('hardening #5: a Host of five characters or fewer', () => {
  test('/healthz and an inference route answer behind gw, api, gw:80 and a', async () => {
    await using fake = fakeOpenAI({ text: 'short host fine' })
    await using gw = await testGateway({
      upstreams: [{ name: 'up', dialect: 'openai-chat', base_url: `${fake.url}/v1`, api_key: 'k' }],
      server: { allowed_hosts: ['gw', 'api', 'a'] },
    })
    const port = portOf(gw.url)
    for (const host of ['gw', 'api', 'gw:80', 'a', `api:${port}`]) {
      const health = await rawRequest(port, httpText('GET', '/healthz', { host, connection: 'close' }))
      expect({ host, status: health.status, body: health.body }).toEqual({
        host,
        status: 200,
        body: '{"status":"ok"}',
      })
      const post = (path: string, body: unknown) =>
        rawRequest(
          port,
          httpText(
            'POST',
            path,
            { host, 'content-type': 'application/json', connection: 'close' },
            JSON.stringify(body),
          ),
        )
      const chat = await post('/v1/chat/completions?x=1', CHAT)
      expect({ host, status: chat.status }).toEqual({ host, status: 200 })
      expect(JSON.parse(chat.body).choices[0].message.content).toBe('short host fine')
      const gemini = await post('/v1beta/models/up/m:generateContent', {
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      })
      expect({ host, status: gemini.status }).toEqual({ host, status: 200 })
    }
    expect(fake.requests).toHaveLength(10)
  })
})
