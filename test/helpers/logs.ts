/** A debug-level logger whose lines a test reads back, raw or parsed. */
import { Writable } from 'node:stream'
import { createLogger, type Logger } from '../../src/log.ts'

export interface CapturedLog {
  log: Logger
  /** Raw log text, for secret checks. */
  text(): string
  /** Every line, parsed. */
  lines(): Array<Record<string, unknown>>
}

export function capturedLog(): CapturedLog {
  const raw: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      raw.push(String(chunk))
      cb()
    },
  })
  return {
    log: createLogger({ level: 'debug', stream }),
    text: () => raw.join(''),
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}
