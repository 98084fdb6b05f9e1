/**
 * Error text that leaves the gateway (to a client, or to the log) without the credentials byokey
 * holds: an upstream may quote the key it got (`Invalid API key: sk-…`), and a transport error may
 * carry a URL with `?key=`. Runs on error paths only; the success path never pays for it.
 *
 * What is masked: the credential of the attempt (a config or stored key, or a subscription's
 * access token fresh from the store, so a refresh needs no bookkeeping: the attempt knows the
 * token it sent), and every secret of the config snapshot (keys, env keys, credential headers),
 * gathered once per snapshot (`ConfigSnapshot.secrets`). Other stored accounts' tokens were never
 * sent to this upstream.
 */

import type { ErrorInfo } from '../dialects/ir.ts'
import { maskSecrets, redactUrlCredentials } from '../log.ts'

/**
 * Masks what one upstream attempt must never pass on: `configSecrets` are the snapshot's
 * (gathered once when it was loaded), `credential` is what this attempt sent. Making one is a
 * two-field object; the scans run only when an error is redacted.
 */
export class Redactor {
  constructor(
    private readonly configSecrets: readonly string[],
    private readonly credential: string,
  ) {}

  /** `text` without the attempt's credential, the config's secrets, or URL credentials. */
  text(text: string): string {
    return maskSecrets(redactUrlCredentials(text), [this.credential, ...this.configSecrets])
  }

  /** `info` with its texts redacted; the same object when there was nothing to hide. */
  info(info: ErrorInfo): ErrorInfo {
    const message = this.text(info.message)
    const param = info.param === undefined ? undefined : this.text(info.param)
    const code = info.code === undefined ? undefined : this.text(info.code)
    if (message === info.message && param === info.param && code === info.code) return info
    const out: ErrorInfo = { ...info, message }
    if (param !== undefined) out.param = param
    if (code !== undefined) out.code = code
    return out
  }
}
