/**
 * `server.shutdown_drain_ms`: after SIGTERM the server goes on serving while `/readyz` answers
 * 503, so a load balancer's health checks take it out before its listener closes; a connection
 * that meets a closing listener is reset after it was accepted, which balancers do not retry.
 */
import { describe, expect, test } from 'bun:test'
import { fakeOpenAI } from '../helpers/fakes/index.ts'
import { startServerIn } from '../helpers/process.ts'
import { tempDir, waitFor } from '../helpers/tmp.ts'

const chat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'up/m', messages: [{ role: 'user', content: 'hi' }] }),
  })

describe('shutdown drain', () => {
  test('after SIGTERM: /readyz says draining, requests are still answered, then a clean exit', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'still here' })
    await using server = await startServerIn(
      dir,
      `port: 0\nmodel_lists: { enabled: false }\nserver: { shutdown_drain_ms: 1500 }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    const before = await fetch(`${server.url}/readyz`)
    expect(before.status).toBe(200)
    server.proc.kill('SIGTERM')
    let readyz: { status: number; body: { status?: string } } | undefined
    await waitFor(async () => {
      const r = await fetch(`${server.url}/readyz`)
      readyz = { status: r.status, body: (await r.json()) as { status?: string } }
      return r.status === 503
    }, 1000)
    expect(readyz).toEqual({ status: 503, body: expect.objectContaining({ status: 'draining' }) })
    // still serving while the balancer takes it out
    const res = await chat(server.url)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { choices: { message: { content: string } }[] }
    expect(body.choices[0]!.message.content).toBe('still here')
    expect(await server.proc.exited).toBe(0)
    await expect(chat(server.url)).rejects.toThrow()
  })

  test('without a drain (the default) the listener closes at once', async () => {
    using dir = tempDir()
    await using up = fakeOpenAI({ text: 'hi' })
    await using server = await startServerIn(
      dir,
      `port: 0\nmodel_lists: { enabled: false }\nupstreams:\n  - { name: up, dialect: openai-chat, base_url: "${up.url}/v1", api_key: k }\n`,
    )
    expect(await server.stop('SIGTERM')).toBe(0)
    await expect(fetch(`${server.url}/readyz`)).rejects.toThrow()
  })
})
