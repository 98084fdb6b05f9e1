/**
 * HTTP/1.1 written by hand on a TCP socket to 127.0.0.1, for what `fetch` will not send: short,
 * foreign or missing `Host` headers, broken framing, huge headers, bodies trickled byte by byte;
 * and for load that must reach an in-process gateway all at once (the test process's `fetch`
 * shares the runtime's 256-connection limit with the gateway's own upstream calls).
 */
import { connect, type Socket } from 'node:net'

export interface RawResponse {
  status: number
  /** Header names lowercased. */
  headers: Record<string, string>
  body: string
}

export class RawConnection {
  #buf = Buffer.alloc(0)
  #closed = false
  #wake: (() => void) | undefined

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d])
      this.#wake?.()
    })
    socket.on('close', () => {
      this.#closed = true
      this.#wake?.()
    })
    socket.on('error', () => {})
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawConnection(s)))
      s.once('error', reject)
    })
  }

  /** Whether the server closed the connection. */
  get closed(): boolean {
    return this.#closed
  }

  /** Sends bytes; false once the connection is closed. */
  write(data: string | Uint8Array): boolean {
    if (this.#closed) return false
    this.socket.write(data)
    return true
  }

  /** The first complete response (by Content-Length, or up to the close), or an error after `ms`. */
  async response(ms = 5000): Promise<RawResponse> {
    const until = Date.now() + ms
    for (;;) {
      const parsed = this.#parse()
      if (parsed) return parsed
      if (this.#closed)
        throw new Error(`connection closed without a response: ${JSON.stringify(this.text())}`)
      if (!(await this.#waitData(until - Date.now()))) throw new Error(`no response within ${ms} ms`)
    }
  }

  /** Whether the server closes the connection within `ms`. */
  async closes(ms = 5000): Promise<boolean> {
    const until = Date.now() + ms
    while (!this.#closed) if (!(await this.#waitData(until - Date.now()))) return false
    return true
  }

  /** Everything received so far. */
  text(): string {
    return this.#buf.toString('latin1')
  }

  close(): void {
    this.socket.destroy()
  }

  #waitData(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined
        resolve(false)
      }, ms)
      this.#wake = () => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve(true)
      }
    })
  }

  #parse(): RawResponse | undefined {
    const text = this.text()
    const end = text.indexOf('\r\n\r\n')
    if (end === -1) return undefined
    const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const rest = this.#buf.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
    const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length'])
    if (length === undefined ? !this.#closed : rest.byteLength < length) return undefined
    const body = headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest.subarray(0, length)
    return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') }
  }
}

/** A chunked body taken apart as bytes (chunk sizes count bytes, not characters). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = raw.indexOf('\r\n', at)
    if (eol < 0) break
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16)
    if (!(size > 0)) break
    parts.push(raw.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

/** One request on a fresh connection; the connection is closed afterwards. */
export async function rawRequest(
  port: number,
  request: string | Uint8Array,
  ms = 5000,
): Promise<RawResponse> {
  const conn = await RawConnection.open(port)
  try {
    conn.write(request)
    return await conn.response(ms)
  } finally {
    conn.close()
  }
}

/** A request's head and body as text, `Content-Length` set from the body unless given. */
export function httpText(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const all =
    body && !('content-length' in headers)
      ? { ...headers, 'content-length': String(Buffer.byteLength(body)) }
      : headers
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  return `${method} ${path} HTTP/1.1\r\n${head}\r\n${body}`
}

export function portOf(url: string): number {
  return Number(new URL(url).port)
}
