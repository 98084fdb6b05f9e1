/**
 * The forge's release workflow is not run here, so this checks what can be checked offline: it
 * parses as YAML, runs on v* tags, tests before it builds, tries the macOS build on a Mac, and
 * publishes the folder release.ts writes only after both.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../helpers/process.ts'

interface Step {
  name?: string
  uses?: string
  run?: string
  with?: Record<string, string>
}
interface Job {
  'runs-on': string
  'timeout-minutes': number
  needs?: string | string[]
  steps: Step[]
}
interface Workflow {
  on: { push: { tags: string[] } }
  permissions: Record<string, string>
  jobs: Record<string, Job>
}

const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'), {
  uniqueKeys: true,
  prettyErrors: true,
}) as Workflow

/** Index of the first step of `job` whose `run` or `uses` contains `text`; -1 when none does. */
const at = (job: Job, text: string) =>
  job.steps.findIndex((s) => `${s.run ?? ''}${s.uses ?? ''}`.includes(text))
const runOf = (job: Job, text: string) => job.steps[at(job, text)]?.run ?? ''

describe('release workflow', () => {
  const { build, macos, publish } = workflow.jobs

  test('runs on v* tags only, with the right to create a release; every job is time-boxed', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*'] } })
    expect(workflow.permissions).toEqual({ contents: 'write' })
    expect(Object.keys(workflow.jobs)).toEqual(['build', 'macos', 'publish'])
    for (const job of Object.values(workflow.jobs)) expect(job['timeout-minutes']).toBeLessThanOrEqual(30)
  })

  test('build: checks the tag, installs and tests, builds the release folder, keeps it, in that order', () => {
    const order = ['GITHUB_REF_NAME', '.ci/run', 'npm run release', 'actions/upload-artifact'].map((t) =>
      at(build!, t),
    )
    expect(order.every((i) => i >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(build!.steps[order[3]!]!.with?.['path']).toBe('dist/release/')
    // what .ci/run does is what "install and test" means
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
    expect(ci.indexOf('npm ci')).toBeGreaterThan(-1)
    expect(ci.indexOf('npm test')).toBeGreaterThan(ci.indexOf('npm ci'))
  })

  test('macos: verifies the shipped signatures and installs with install.sh from the built folder', () => {
    expect(macos!.needs).toBe('build')
    expect(macos!['runs-on']).toStartWith('macos')
    expect(runOf(macos!, 'codesign --verify')).toContain('tar -xzf release/byokey-*-darwin-$arch.tar.gz')
    expect(runOf(macos!, 'install.sh')).toContain(
      'BYOKEY_DOWNLOAD_URL="file://$PWD/release" sh release/install.sh',
    )
  })

  test('publish: only after build and macos, uploads the whole release folder', () => {
    expect(publish!.needs).toEqual(['build', 'macos'])
    expect(runOf(publish!, 'gh release create')).toContain('dist/release/*')
    expect(at(publish!, 'actions/download-artifact')).toBeLessThan(at(publish!, 'gh release create'))
  })

  test('every action it uses is pinned to a version', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])))
    expect(uses.length).toBeGreaterThan(0)
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@v\d+$/)
  })
})
