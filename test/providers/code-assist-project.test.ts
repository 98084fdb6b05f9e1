import { describe, expect, test } from 'bun:test'
import { validate } from '../../src/config/load.ts'
import {
  CodeAssistSetupError,
  discoverProject,
  GEMINI_CLI_METADATA,
  projectFor,
} from '../../src/providers/shared/code-assist-project.ts'
import { fakeGemini, type GeminiFake } from '../helpers/fakes/gemini.ts'
import { jsonResponse, startFake } from '../helpers/fakes/server.ts'

const TOKEN = 'ya29.fake-access-token'

function opts(fake: { url: string }, over: Partial<Parameters<typeof discoverProject>[0]> = {}) {
  return { baseUrl: fake.url, accessToken: TOKEN, provider: 'gemini', pollIntervalMs: 0, ...over }
}

/** Method and path of each call the fake saw, in order. */
const calls = (fake: GeminiFake) => fake.requests.map((r) => `${r.method} ${r.path}`)

describe('discoverProject', () => {
  test('an account already set up: loadCodeAssist names the project, nothing else is called', async () => {
    await using fake = fakeGemini({ text: 'unused' }, { codeAssist: { project: 'proj-existing' } })
    expect(await discoverProject(opts(fake))).toBe('proj-existing')
    expect(calls(fake)).toEqual(['POST /v1internal:loadCodeAssist'])
    const load = fake.requests[0]!
    expect(load.body).toEqual({ metadata: GEMINI_CLI_METADATA })
    expect(load.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(load.headers['content-type']).toBe('application/json')
  })

  test('a new free-tier account is onboarded: the operation is polled until done', async () => {
    await using fake = fakeGemini(
      { text: 'unused' },
      { codeAssist: { project: null, onboardPolls: 3, onboardedProject: 'proj-new' } },
    )
    expect(await discoverProject(opts(fake))).toBe('proj-new')
    expect(calls(fake)).toEqual([
      'POST /v1internal:loadCodeAssist',
      'POST /v1internal:onboardUser',
      'GET /v1internal/operations/onboard-fake-1',
      'GET /v1internal/operations/onboard-fake-1',
      'GET /v1internal/operations/onboard-fake-1',
    ])
    // the free tier is onboarded without a project: Google makes one
    expect(fake.requests[1]!.body).toEqual({ tierId: 'free-tier', metadata: GEMINI_CLI_METADATA })
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(fake.project).toBe('proj-new')
  })

  test('polling is bounded: an operation that never finishes is an error after maxPolls', async () => {
    await using fake = fakeGemini({ text: 'unused' }, { codeAssist: { project: null, onboardPolls: 1000 } })
    const err = await discoverProject(opts(fake, { maxPolls: 3 })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CodeAssistSetupError)
    expect((err as Error).message).toContain('did not finish after 3 polls')
    expect(fake.onboardCalls).toBe(4)
  })

  test('a configured project wins, and is sent along', async () => {
    await using fake = fakeGemini({ text: 'unused' }, { codeAssist: { project: 'proj-google' } })
    expect(await discoverProject(opts(fake, { configuredProject: 'proj-mine' }))).toBe('proj-mine')
    expect(fake.requests[0]!.body).toEqual({
      cloudaicompanionProject: 'proj-mine',
      metadata: { ...GEMINI_CLI_METADATA, duetProject: 'proj-mine' },
    })
  })

  test('a tier that needs a project of the user, without one configured, names the config key', async () => {
    await using fake = startFake(() =>
      jsonResponse({
        allowedTiers: [{ id: 'standard-tier', isDefault: true, userDefinedCloudaicompanionProject: true }],
      }),
    )
    const err = await discoverProject(opts(fake)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CodeAssistSetupError)
    expect((err as Error).message).toContain('providers.gemini.project_id')
    expect(fake.requests).toHaveLength(1)
  })

  test('a paid tier is onboarded with the configured project; `{id, name}` projects are read too', async () => {
    await using fake = startFake((_req, rec) =>
      rec.path === '/v1internal:loadCodeAssist'
        ? jsonResponse({ allowedTiers: [{ id: 'standard-tier', isDefault: true }] })
        : jsonResponse({
            name: 'operations/x',
            done: true,
            response: { cloudaicompanionProject: { id: 'p' } },
          }),
    )
    expect(await discoverProject(opts(fake, { configuredProject: 'proj-paid' }))).toBe('proj-paid')
    expect(fake.requests[1]!.body).toEqual({
      tierId: 'standard-tier',
      cloudaicompanionProject: 'proj-paid',
      metadata: { ...GEMINI_CLI_METADATA, duetProject: 'proj-paid' },
    })
    // without one configured, the operation's `{id, name}` project is the answer
    expect(await discoverProject(opts(fake))).toBe('p')
    expect(fake.requests[3]!.body).toEqual({ tierId: 'standard-tier', metadata: GEMINI_CLI_METADATA })
  })

  test("Google's errors become CodeAssistSetupError with the status and message, never the token", async () => {
    await using fake = fakeGemini({ text: 'unused' }, { codeAssist: true, key: 'another-token' })
    const err = await discoverProject(opts(fake)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CodeAssistSetupError)
    expect((err as CodeAssistSetupError).status).toBe(401)
    expect((err as Error).message).toContain('HTTP 401')
    expect((err as Error).message).not.toContain(TOKEN)
  })

  test('the client body and metadata can be another client’s (Antigravity)', async () => {
    await using fake = fakeGemini({ text: 'unused' }, { codeAssist: { project: null, onboardPolls: 0 } })
    const project = await discoverProject(
      opts(fake, {
        metadata: { ideType: 'ANTIGRAVITY' },
        headers: { 'user-agent': 'antigravity/1.0' },
        onboardBody: (tierId, _project, metadata) => ({
          tier_id: tierId,
          metadata: { ide_type: metadata.ideType },
        }),
      }),
    )
    expect(project).toBe('fake-onboarded-project')
    expect(fake.requests[0]!.body).toEqual({ metadata: { ideType: 'ANTIGRAVITY' } })
    expect(fake.requests[1]!.body).toEqual({ tier_id: 'free-tier', metadata: { ide_type: 'ANTIGRAVITY' } })
    expect(fake.requests.every((r) => r.headers['user-agent'] === 'antigravity/1.0')).toBe(true)
  })
})

describe('projectFor', () => {
  test('the configured project, else the stored one, else none (discover)', () => {
    const bare = validate({}, 'test').config
    const withProject = validate({ providers: { gemini: { project_id: 'proj-conf' } } }, 'test').config
    expect(projectFor(withProject, 'gemini', { project_id: 'proj-stored' })).toBe('proj-conf')
    expect(projectFor(bare, 'gemini', { project_id: 'proj-stored' })).toBe('proj-stored')
    expect(projectFor(bare, 'gemini', { project_id: '' })).toBeUndefined()
    expect(projectFor(bare, 'gemini', {})).toBeUndefined()
  })
})
