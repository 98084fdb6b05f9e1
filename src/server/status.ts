/** What a running gateway says about itself: the control socket's `status` and the management API's. */
import type { ConfigSnapshot } from '../config/snapshot.ts'

export function processStatus(version: string, snap: ConfigSnapshot) {
  const uptime = process.uptime()
  return {
    pid: process.pid,
    version,
    config_file: snap.file ?? null,
    config_version: snap.version,
    config_loaded_at: new Date(snap.loadedAt).toISOString(),
    uptime_s: Math.round(uptime),
    started_at: new Date(Date.now() - uptime * 1000).toISOString(),
  }
}
