/**
 * A small real HTTP proxy on 127.0.0.1 port 0 for tests of `proxy_url`: it forwards
 * absolute-form requests (`POST http://host/path HTTP/1.1`, plain-http targets) and tunnels
 * `CONNECT host:port` (https targets), one request per connection, and records what it was asked.
 * `refuse` makes it answer every request with that status instead (a proxy that says no).
 */
import { connect, createServer, type Socket } from 'node:net'

export interface ProxiedRequest {
  method: string
  /** The absolute URL, or `host:port` of a CONNECT. */
  target: string
  /** The `Proxy-Authorization` header as sent, if any. */
  proxyAuthorization: string | undefined
}

export interface TestProxy {
  url: string
  port: number
  requests: ProxiedRequest[]
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const HEAD_END = '\r\n\r\n'

export async function startTestProxy(opts: { refuse?: number } = {}): Promise<TestProxy> {
  const requests: ProxiedRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    onHead(client, (head, rest) => {
      const [requestLine = '', ...headerLines] = head.split('\r\n')
      const [method = '', target = ''] = requestLine.split(' ')
      const auth = headerLines.find((l) => /^proxy-authorization:/i.test(l))
      requests.push({ method, target, proxyAuthorization: auth?.slice(auth.indexOf(':') + 1).trim() })
      if (opts.refuse) {
        client.end(`HTTP/1.1 ${opts.refuse} Refused\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)
        return
      }
      if (method === 'CONNECT') return tunnel(client, target, rest)
      forward(client, target, headerLines, method, rest)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const stop = async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url: `http://127.0.0.1:${port}`, port, requests, stop, [Symbol.asyncDispose]: stop }
}

/**
 * Reads a message's head off `socket` and hands it on with the bytes that came after it; the
 * socket is paused until whoever takes over pipes it on, so nothing read meanwhile is lost.
 */
function onHead(socket: Socket, take: (head: string, rest: Buffer) => void): void {
  let buf = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    const end = buf.indexOf(HEAD_END)
    if (end < 0) return
    socket.off('data', onData)
    socket.pause()
    take(buf.subarray(0, end).toString('latin1'), buf.subarray(end + HEAD_END.length))
  }
  socket.on('data', onData)
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b)
  b.pipe(a)
  a.on('error', () => b.destroy())
  b.on('error', () => a.destroy())
  a.on('close', () => b.destroy())
  b.on('close', () => a.destroy())
}

function tunnel(client: Socket, target: string, rest: Buffer): void {
  const i = target.lastIndexOf(':')
  const upstream = connect(Number(target.slice(i + 1)), target.slice(0, i), () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (rest.length) upstream.write(rest)
    pipeBoth(client, upstream)
  })
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'))
}

/**
 * The request in origin form to its host, without the proxy's own headers, and its answer back
 * marked `connection: close`: one request per connection, so the client opens a new one (and
 * the proxy records it) for the next.
 */
function forward(client: Socket, target: string, headerLines: string[], method: string, rest: Buffer): void {
  const url = new URL(target)
  const headers = headerLines.filter((l) => !HOP_HEADER.test(l))
  const head = [`${method} ${url.pathname}${url.search} HTTP/1.1`, ...headers, 'connection: close'].join(
    '\r\n',
  )
  const upstream = connect(Number(url.port || 80), url.hostname, () => {
    upstream.write(head + HEAD_END)
    if (rest.length) upstream.write(rest)
    client.pipe(upstream)
    onHead(upstream, (answer, rest) => {
      const lines = answer.split('\r\n')
      const kept = [lines[0], ...lines.slice(1).filter((l) => !HOP_HEADER.test(l)), 'connection: close']
      client.write(kept.join('\r\n') + HEAD_END)
      client.write(rest)
      upstream.pipe(client)
    })
    upstream.on('close', () => client.end())
    client.on('close', () => upstream.destroy())
  })
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'))
}

const HOP_HEADER = /^(proxy-[a-z-]+|connection|keep-alive):/i
