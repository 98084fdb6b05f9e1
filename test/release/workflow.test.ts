/**
 * The forge's release workflow is not run here, so this checks what can be checked offline: it
 * parses as YAML, runs on v* tags, tests before it builds, and uploads the folder release.ts writes.
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
}
interface Workflow {
  on: { push: { tags: string[] } }
  permissions: Record<string, string>
  jobs: Record<string, { 'runs-on': string; 'timeout-minutes': number; steps: Step[] }>
}

const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'), {
  uniqueKeys: true,
  prettyErrors: true,
}) as Workflow

describe('release workflow', () => {
  const jobs = Object.values(workflow.jobs)
  const steps = jobs[0]!.steps
  /** Index of the first step whose `run` contains `text`. */
  const at = (text: string) => steps.findIndex((s) => s.run?.includes(text))

  test('runs on v* tags only, with the right to create a release, time-boxed', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*'] } })
    expect(workflow.permissions).toEqual({ contents: 'write' })
    expect(jobs).toHaveLength(1)
    expect(jobs[0]!['timeout-minutes']).toBeLessThanOrEqual(30)
  })

  test('checks the tag, installs and tests, builds, then uploads the release folder, in that order', () => {
    const order = ['GITHUB_REF_NAME', '.ci/run', 'npm run release', 'gh release create']
    const found = order.map(at)
    expect(found.every((i) => i >= 0)).toBe(true)
    expect([...found].sort((a, b) => a - b)).toEqual(found)
    expect(steps[at('gh release create')]!.run).toContain('dist/release/*')
    // what .ci/run does is what "install and test" means
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
    expect(ci.indexOf('npm ci')).toBeGreaterThan(-1)
    expect(ci.indexOf('npm test')).toBeGreaterThan(ci.indexOf('npm ci'))
  })

  test('every action it uses is pinned to a version', () => {
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []))
    expect(uses.length).toBeGreaterThan(0)
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@v\d+$/)
  })
})
