/** Data URLs ↔ (media type, base64) and media-type guesses, shared by every dialect. */
import type { MediaSource } from '../ir.ts'

const DATA_URL = /^data:([^;,]+)?((?:;[^;,]+)*?);base64,(.*)$/s

/** `data:<mime>;base64,<data>` → base64 source; other URLs → url source. */
export function mediaSourceFromUrl(url: string): MediaSource {
  const m = DATA_URL.exec(url)
  if (m) return { kind: 'base64', mediaType: m[1] ?? 'application/octet-stream', data: m[3] ?? '' }
  return { kind: 'url', url }
}

/** A source as a URL string (data URL for base64); undefined for file ids. */
export function mediaSourceToUrl(src: MediaSource): string | undefined {
  if (src.kind === 'base64') return `data:${src.mediaType};base64,${src.data}`
  if (src.kind === 'url') return src.url
  return undefined
}

const EXT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
}

/** Media type from a URL's extension, for dialects that require one (Gemini `fileData`). */
export function guessMediaType(url: string, fallback = 'application/octet-stream'): string {
  const path = url.split(/[?#]/)[0] ?? ''
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  return Object.hasOwn(EXT_TYPES, ext) ? (EXT_TYPES[ext] as string) : fallback
}
