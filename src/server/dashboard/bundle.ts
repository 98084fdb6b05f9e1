/**
 * A macro (imported `with { type: 'macro' }`): bundles the dashboard page at build time, so its
 * script, with Chart.js, its styles and its HTML are strings inside the binary. No CDN, nothing
 * read from disk at run time. `Bun.build` cannot run inside a macro (the bundler waits on it),
 * so the script is bundled by the `bun build` command.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DashboardAssets {
  html: string
  js: string
  css: string
}

export function bundleDashboard(): DashboardAssets {
  const dir = join(import.meta.dir, 'page')
  const built = Bun.spawnSync(
    [process.execPath, 'build', join(dir, 'app.ts'), '--target=browser', '--format=esm', '--minify'],
    { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } },
  )
  if (built.exitCode !== 0) throw new Error(`dashboard bundle failed: ${built.stderr.toString()}`)
  return {
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    js: built.stdout.toString(),
    css: readFileSync(join(dir, 'app.css'), 'utf8'),
  }
}
