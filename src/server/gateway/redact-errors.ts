/**
 * Error text that leaves the gateway (to a client, or to the log) without the credentials byokey
 * holds: an upstream may quote the key it got (`Invalid API key: sk-…`), and a transport error may
 * carry a URL with `?key=`. Runs on error paths only; the success path never pays for it.
 *
 * What is masked: the credential of the attempt (a config or stored key, or a subscription's
 * access token fresh from the store, so a refresh needs no bookkeeping: the attempt knows the
 * token it sent), and every secret of the config snapshot (keys, env keys, credential headers),
 * gathered once per snapshot. Other stored accounts' tokens were never sent to this upstream.
 */

import type { Config } from '../../config/schema.ts'
import { configSecrets } from '../../config/secrets.ts'
import type { ErrorInfo } from '../../dialects/ir.ts'
import { maskSecrets, redactUrlCredentials } from '../../log.ts'

/** The config's secrets, per immutable snapshot (a reload makes a new one). */
const bySnapshot = new WeakMap<Config, readonly string[]>()

function secretsOf(config: Config): readonly string[] {
  let found = bySnapshot.get(config)
  if (!found) {
    const { inFile, fromEnv } = configSecrets(config)
    found = [...inFile, ...fromEnv]
    bySnapshot.set(config, found)
  }
  return found
}

/** `text` without the attempt's credential, the config's secrets, or URL credentials. */
export function redactText(text: string, config: Config, credential: string): string {
  return maskSecrets(redactUrlCredentials(text), [credential, ...secretsOf(config)])
}

/** `info` with its texts redacted; the same object when there was nothing to hide. */
export function redactInfo(info: ErrorInfo, config: Config, credential: string): ErrorInfo {
  const message = redactText(info.message, config, credential)
  const param = info.param === undefined ? undefined : redactText(info.param, config, credential)
  const code = info.code === undefined ? undefined : redactText(info.code, config, credential)
  if (message === info.message && param === info.param && code === info.code) return info
  const out: ErrorInfo = { ...info, message }
  if (param !== undefined) out.param = param
  if (code !== undefined) out.code = code
  return out
}
