/**
 * Reading a login the user pastes by hand when the browser's redirect cannot reach this machine
 * (SSH, containers): the full redirected URL, its query string, `code#state` (Claude's console
 * shows that), or a bare code.
 *
 * A pasted URL or `code#state` must carry the expected state. A bare code has none to check: the
 * user copied it from their own browser, which is the guarantee CSRF protection stands for.
 */
import { OAuthError } from './errors.ts'

export interface PastedCode {
  code: string
  /** The state that came with it, when the input had one. */
  state?: string
}

function fromQuery(q: URLSearchParams, expectedState: string): PastedCode {
  const error = q.get('error')
  const state = q.get('state') ?? undefined
  if (state !== undefined && state !== expectedState) {
    throw new OAuthError('state_mismatch', 'the pasted URL belongs to another login (state does not match)')
  }
  if (error) {
    const desc = q.get('error_description')
    throw new OAuthError(error, `authorization failed with ${error}${desc ? `: ${desc}` : ''}`)
  }
  const code = q.get('code')
  if (!code) throw new OAuthError('no_code', 'the pasted URL has no code parameter')
  if (state === undefined) {
    throw new OAuthError('state_mismatch', 'the pasted URL has no state parameter')
  }
  return { code, state }
}

/** Throws an `OAuthError` for empty input, a state mismatch or an `error` redirect. */
export function parsePastedRedirect(input: string, expectedState: string): PastedCode {
  const s = input
    .trim()
    .replace(/^(['"])(.*)\1$/, '$2')
    .trim()
  if (s === '') throw new OAuthError('no_code', 'nothing was pasted')
  if (/^https?:\/\//i.test(s)) {
    let url: URL
    try {
      url = new URL(s)
    } catch {
      throw new OAuthError('no_code', 'the pasted text is not a valid URL')
    }
    return fromQuery(url.searchParams, expectedState)
  }
  if (/^\??[^=#\s]+=/.test(s) && /(^|[?&])(code|error)=/.test(s)) {
    return fromQuery(new URLSearchParams(s.replace(/^\?/, '')), expectedState)
  }
  if (/\s/.test(s)) throw new OAuthError('no_code', 'the pasted text is not a code or a redirected URL')
  const hash = s.indexOf('#')
  if (hash >= 0) {
    const code = s.slice(0, hash)
    const state = s.slice(hash + 1)
    if (!code) throw new OAuthError('no_code', 'the pasted text has no code before "#"')
    if (state !== expectedState) {
      throw new OAuthError(
        'state_mismatch',
        'the pasted code belongs to another login (state does not match)',
      )
    }
    return { code, state }
  }
  return { code: s }
}
