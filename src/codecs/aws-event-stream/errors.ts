/** What can be wrong with an event stream; each is fatal to the stream (framing cannot resync). */
export type EventStreamErrorCode =
  /** The prelude's CRC32 does not match its 8 bytes: the lengths cannot be trusted. */
  | 'prelude_crc'
  /** The message's CRC32 does not match: headers or payload were damaged. */
  | 'message_crc'
  /** A length in the prelude is impossible (shorter than the framing, longer than the limit). */
  | 'bad_length'
  | 'bad_header'
  /** The stream ended inside a message. */
  | 'truncated'

export class EventStreamError extends Error {
  constructor(
    readonly code: EventStreamErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'EventStreamError'
  }
}
