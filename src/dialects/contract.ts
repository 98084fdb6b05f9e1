/**
 * The contract every dialect folder implements (its `index.ts` exports one object of type
 * `Dialect`): the codecs to and from the IR (ir.ts), the stream cores, and every fact about the
 * wire format the gateway needs, so that the layers above name no dialect.
 */
import type {
  DialectName,
  ErrorInfo,
  Provenance,
  Request,
  Response,
  StreamEvent,
  UpstreamDialectName,
  Usage,
} from './ir.ts'

export interface EncodeRequestOptions {
  /** Provider the request goes to (stamped nowhere; used to judge thinking provenance). */
  provider?: string
  /** Upstream model id to put in the body (defaults to `req.model`). */
  model?: string
  /** What to do with thinking whose provenance does not match the target: drop it (default) or keep its text as plain text. */
  foreignThinking?: 'drop' | 'text'
}

export interface EncodeResponseOptions {
  /** Model name to show the client (defaults to `res.model`). */
  model?: string
  /** Provenance to stamp into opaque signatures this dialect cannot attribute itself. */
  provenance?: Provenance
  /**
   * Tool namespaces of the client's request, flattened into function names for an upstream
   * without namespaces; a dialect with namespaces splits such names back (`name`, `namespace`).
   */
  toolNamespaces?: string[]
}

export interface EncodeStreamOptions {
  /** Model name to show the client (defaults to the start event's). */
  model?: string
  /** OpenAI Chat: emit the final usage chunk (`stream_options.include_usage`). */
  includeUsage?: boolean
  /** Anthropic: input tokens for `message_start` when the upstream reports them only at the end. */
  estimatedInputTokens?: number
  /** Provenance of the upstream producing the events. */
  provenance?: Provenance
  /** Tool namespaces of the client's request (see `EncodeResponseOptions.toolNamespaces`). */
  toolNamespaces?: string[]
}

export interface DecodeStreamOptions {
  /** Provenance to stamp on thinking/signatures decoded from this stream. */
  provenance?: Provenance
}

export interface DecodeRequestContext {
  /** Gemini carries the model and the stream flag in the URL, not in the body. */
  model?: string
  stream?: boolean
}

/** Hands one output of a stream stage on. */
export type Emit<T> = (value: T) => void

/**
 * The synchronous heart of one stream: feed inputs, then end it once. A caller that owns the
 * whole loop (the gateway's translated path) runs a decoder and an encoder back to back in one
 * pass per network read, without a stream hop per chunk per stage.
 */
export interface StreamCore<I, O> {
  push(input: I, emit: Emit<O>): void
  end(emit: Emit<O>): void
}

/**
 * Where the gateway's passthrough tap finds the events that matter in a same-dialect stream it
 * forwards byte for byte (usage, errors, the terminal event), without decoding every chunk. Each
 * marker is text that appears only in such an event.
 */
export interface PassthroughMarkers {
  /** Events looked for from the stream's start (the first copy counts). */
  readonly first: readonly string[]
  /** Events looked for from the stream's end (the last copy counts: running totals, the terminal event). */
  readonly last: readonly string[]
  /**
   * How a normal end reads: `end(data)` is true for the data of the terminal event, `errors` are
   * markers that may stand for an error. Absent when the stream just stops (Gemini): then only
   * the full decoder tells a finish from a cut.
   */
  readonly outcome?: { end(data: string): boolean; readonly errors: readonly string[] }
  /** Keys under which an event payload wraps a response or message whose usage counts. */
  readonly usageCarriers: readonly string[]
  /** Marks a usage-only chunk: asked for to meter the stream, cut out for a client that did not ask for it. */
  readonly usageOnlyChunk?: string
}

/** A dialect's token-count endpoint: its body, its answer, and how to read a count from it. */
export interface CountTokensCodec {
  /** The count endpoint's body for a request (`opts.model`: the upstream model). */
  body(req: Request, opts: EncodeRequestOptions & { model: string }): Record<string, unknown>
  /** The count an answer of the endpoint holds, if any. */
  read(answer: unknown): number | undefined
  /** The endpoint's answer for a count, as this gateway gives it to a client. */
  answer(n: number): Record<string, unknown>
}

/**
 * What the gateway must know of a wire format beyond its codecs, so that it names no dialect:
 * each dialect folder's `wire-facts.ts`.
 */
export interface WireFacts {
  /** Puts the upstream model into a request body (a no-op where the model travels in the URL). */
  setModel(body: Record<string, unknown>, model: string): void
  /** Whether requests declare tool namespaces; without them, namespaced tools are flattened into names. */
  readonly supportsToolNamespaces: boolean
  /** A streaming request body that also asks for the usage at the end (the same body where usage always comes). */
  askStreamUsage(body: Record<string, unknown>): Record<string, unknown>
  /** Whether a client's streaming request asked to see the usage (true where usage always comes). */
  clientWantsStreamUsage(body: Record<string, unknown>): boolean
  /** Whether the stream encoder needs the input tokens before an upstream reports them (`estimatedInputTokens`). */
  readonly streamNeedsInputTokens: boolean
  /** Where a same-dialect stream's usage and outcome sit, for the passthrough tap. */
  readonly passthrough: PassthroughMarkers
  /**
   * Fixes, on the gateway's own shallow copy of a same-dialect body, what the upstream would refuse
   * but the dialect's request encoder never writes (an empty system prompt, sampling fields thinking
   * forbids…), so a client's body that passes through gets what a translated one gets. Replaces
   * nested values rather than mutating them, and leaves a body that needs nothing untouched.
   * Absent: a same-dialect body goes as the client sent it.
   */
  repairRequest?(body: Record<string, unknown>): void
  /** The token-count endpoint, where the dialect has one. */
  readonly countTokens?: CountTokensCodec
  /**
   * One whole stream event this dialect's clients read past, sent while an upstream is silent so
   * that the connection is not cut as idle.
   */
  readonly keepAlive: string
}

/** What a dialect folder implements; `withStreams` (common/stream.ts) adds the stream shapes. */
export type DialectCodec = Omit<Dialect, 'decodeStream' | 'encodeStream'>

export interface Dialect extends WireFacts {
  readonly name: DialectName
  decodeRequest(body: unknown, ctx?: DecodeRequestContext): Request
  encodeRequest(req: Request, opts?: EncodeRequestOptions): Record<string, unknown>
  decodeResponse(body: unknown, opts?: DecodeStreamOptions): Response
  encodeResponse(res: Response, opts?: EncodeResponseOptions): Record<string, unknown>
  /** Only the usage of a response body: metering an answer that goes to the client as it came. */
  responseUsage(body: unknown): Usage | undefined
  /** Upstream SSE bytes → IR events, as plain calls (one core per stream). */
  decodeStreamCore(opts?: DecodeStreamOptions): StreamCore<Uint8Array, StreamEvent>
  /** IR events → SSE text of this dialect, framing included, as plain calls (one core per stream). */
  encodeStreamCore(opts?: EncodeStreamOptions): StreamCore<StreamEvent, string>
  /** `decodeStreamCore` as one TransformStream. */
  decodeStream(opts?: DecodeStreamOptions): TransformStream<Uint8Array, StreamEvent>
  /** `encodeStreamCore` as one TransformStream of UTF-8 bytes. */
  encodeStream(opts?: EncodeStreamOptions): TransformStream<StreamEvent, Uint8Array>
  /** An error as this dialect's HTTP status and envelope. */
  encodeError(err: ErrorInfo): { status: number; body: Record<string, unknown> }
  /** An upstream error body of this dialect → IR. */
  decodeError(status: number, body: unknown): ErrorInfo
}

/** What the gateway uses of the format an upstream answers in: the upstream half of a `Dialect`. */
export type UpstreamMembers =
  | 'encodeRequest'
  | 'decodeResponse'
  | 'responseUsage'
  | 'decodeStreamCore'
  | 'decodeError'
  | 'setModel'
  | 'supportsToolNamespaces'
  | 'askStreamUsage'
  | 'repairRequest'
  | 'countTokens'

/**
 * The upstream side of a wire format. Every `Dialect` is one; a format no client speaks (Kiro's
 * conversation state answered in AWS event streams, `src/codecs/kiro/`) implements only this, and
 * its provider hands it to the gateway (`Provider.codec`).
 */
export interface UpstreamCodec extends Pick<Dialect, UpstreamMembers> {
  readonly name: UpstreamDialectName
}
