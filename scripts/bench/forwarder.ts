#!/usr/bin/env bun
/**
 * The floor for any Bun proxy: a bare Bun.serve that forwards each request to the upstream and
 * returns its body untouched. Usage: bun forwarder.ts <upstream origin>; prints its origin.
 */
const upstream = process.argv[2]!
const HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding']

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    const url = new URL(req.url)
    const res = await fetch(upstream + url.pathname + url.search, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: await req.arrayBuffer(),
      signal: req.signal,
    })
    const headers = new Headers(res.headers)
    for (const h of HOP) headers.delete(h)
    return new Response(res.body, { status: res.status, headers })
  },
})
console.log(server.url.origin)
