/**
 * Static facts of the Chat Completions dialect. The request's wire shape has one source, the
 * TypeBox schema in `schema.ts` (`RequestBody` is derived from it); responses and stream chunks
 * are read field by field by their codecs, so no hand-written copy of those shapes is kept.
 */

export const DIALECT = 'openai-chat' as const
