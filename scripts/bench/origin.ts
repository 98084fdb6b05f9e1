/** The first `http://127.0.0.1:N` a child process (the bench upstream) prints on `stdout`. */
export async function originFrom(stdout: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stdout.getReader()
  let seen = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) throw new Error('the bench upstream exited before it was ready')
    seen += new TextDecoder().decode(value)
    const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(seen)
    if (m) return m[1] as string
  }
}
