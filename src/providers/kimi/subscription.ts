/**
 * What Kimi's coding API and its OAuth server expect of a request (docs/protocols/kimi.md,
 * "Device headers" and "Calls"): Kimi CLI's user agent and the `x-msh-*` headers naming the
 * platform, the CLI's version and the device, and model ids without the `kimi-` prefix byokey
 * lists them under.
 */

export const KIMI_CLI_VERSION = '1.10.6'
/** Names the machine only as coarsely as the CLI's own `x-msh-device-model` does. */
const DEVICE_MODEL = `${process.platform} ${process.arch}`

/** The `x-msh-*` headers; the device id is left out when unknown (a key from the config). */
export function mshHeaders(deviceId: string | undefined): Record<string, string> {
  const h: Record<string, string> = {
    'x-msh-platform': 'kimi_cli',
    'x-msh-version': KIMI_CLI_VERSION,
    'x-msh-device-name': 'byokey',
    'x-msh-device-model': DEVICE_MODEL,
  }
  if (deviceId) h['x-msh-device-id'] = deviceId
  return h
}

export function kimiHeaders(deviceId: string | undefined): Record<string, string> {
  return { 'user-agent': `KimiCLI/${KIMI_CLI_VERSION}`, ...mshHeaders(deviceId) }
}

/** Ids the coding endpoint itself spells with the prefix: sent as they are. */
const NATIVE = new Set(['kimi-for-coding'])

/** A listed id → the upstream's: a leading `kimi-` is dropped (`kimi-k2-0711` → `k2-0711`). */
export function kimiUpstreamModel(model: string): string {
  return model.startsWith('kimi-') && !NATIVE.has(model) ? model.slice('kimi-'.length) : model
}
