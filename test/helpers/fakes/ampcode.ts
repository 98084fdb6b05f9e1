/**
 * A fake ampcode.com on a real loopback socket: Amp's OAuth endpoints (`/oauth/authorize`,
 * `/oauth/token`, served by a fake OAuth server behind it) and Amp's own API, which records every
 * call and answers it as Amp would a client's:
 *
 * - `GET /api/hold-stream`: streams one line at once, then holds the rest (`bytes` of it) until
 *   `release()`, so a test can tell a forwarder that streams from one that buffers.
 * - `GET /api/gzip`: a gzip-encoded JSON answer with its `content-encoding` and `content-length`.
 * - `GET /api/relative-redirect`: 302 to `/login?next=cli` (a page of Amp's, relative).
 * - `GET /api/inner-redirect`: 302 to `/api/user` (back into Amp's API, relative).
 * - anything else under `/api/` or `/v0/management/`: 200 JSON `{ok, method, path, query, body}`
 *   (the body as received), with a `set-cookie` and `keep-alive` header to see what comes back.
 * - `/api/provider/…`: 500, as a call that must never get here.
 */
import { type FakeOAuth, type FakeOAuthOptions, startFakeOAuth } from './oauth.ts'
import { type FakeServer, jsonResponse, startFake } from './server.ts'

export interface FakeAmpcode extends FakeServer {
  readonly oauth: FakeOAuth
  /** Lets `/api/hold-stream` send the rest of its body and end. */
  release(): void
  /** Whether `/api/hold-stream` has sent its last byte. */
  readonly holdFinished: boolean
}

export interface FakeAmpcodeOptions {
  oauth?: FakeOAuthOptions
  /** Size of the held part of `/api/hold-stream` (default 1 MiB). */
  bytes?: number
}

export function fakeAmpcode(opts: FakeAmpcodeOptions = {}): FakeAmpcode {
  const oauth = startFakeOAuth(opts.oauth)
  let release: () => void = () => {}
  const released = new Promise<void>((r) => {
    release = r
  })
  let holdFinished = false
  const held = opts.bytes ?? 1024 * 1024

  const server = startFake(async (req, rec) => {
    const query = new URL(req.url).search
    if (rec.path === '/oauth/authorize') {
      return fetch(`${oauth.url}/authorize${query}`, { redirect: 'manual' })
    }
    if (rec.path === '/oauth/token') {
      const res = await fetch(`${oauth.url}/token`, {
        method: 'POST',
        headers: { 'content-type': rec.headers['content-type'] ?? 'application/json' },
        body: rec.rawBody,
      })
      return new Response(await res.text(), {
        status: res.status,
        headers: { 'content-type': 'application/json' },
      })
    }
    if (rec.path.startsWith('/api/provider/')) {
      return jsonResponse({ error: 'model calls must not reach ampcode.com' }, 500)
    }
    if (rec.path === '/api/hold-stream') {
      const encoder = new TextEncoder()
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(encoder.encode('first line\n'))
          await released
          const chunk = 'x'.repeat(64 * 1024)
          for (let sent = 0; sent < held; sent += chunk.length) c.enqueue(encoder.encode(chunk))
          holdFinished = true
          c.close()
        },
      })
      return new Response(body, { headers: { 'content-type': 'text/plain' } })
    }
    if (rec.path === '/api/gzip') {
      const body = Bun.gzipSync(JSON.stringify({ compressed: true, filler: 'amp '.repeat(500) }))
      return new Response(body, {
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(body.length),
        },
      })
    }
    if (rec.path === '/api/relative-redirect') {
      return new Response(null, { status: 302, headers: { location: '/login?next=cli' } })
    }
    if (rec.path === '/api/inner-redirect') {
      return new Response(null, { status: 302, headers: { location: '/api/user' } })
    }
    if (rec.path.startsWith('/api/') || rec.path.startsWith('/v0/management/')) {
      return jsonResponse(
        { ok: true, method: rec.method, path: rec.path, query: rec.query, body: rec.body },
        200,
        { 'set-cookie': 'amp-session=abc; Path=/', 'keep-alive': 'timeout=5', 'x-amp-answer': 'yes' },
      )
    }
    return jsonResponse({ error: `fake ampcode.com: no ${rec.method} ${rec.path}` }, 404)
  })

  return {
    get url() {
      return server.url
    },
    get port() {
      return server.port
    },
    get requests() {
      return server.requests
    },
    last: () => server.last(),
    oauth,
    release: () => release(),
    get holdFinished() {
      return holdFinished
    },
    async stop() {
      release()
      await server.stop()
      await oauth.stop()
    },
    [Symbol.dispose]() {
      void this.stop()
    },
    [Symbol.asyncDispose]() {
      return this.stop()
    },
  }
}
