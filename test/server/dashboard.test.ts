/**
 * The dashboard in real headless Chromium (Debian's `/usr/bin/chromium`, driven by
 * playwright-core): a wrong admin key is refused; the right one shows today's and this month's
 * totals, the charts and their numbers, keys and accounts, all equal to what SQLite holds; no
 * console error (a CSP violation would be one); light, dark and a phone. Screenshots go to
 * `test-artifacts/dashboard/` (gitignored). Skipped, saying so, where Chromium is not installed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core'
import { formatUsd, formatInt as tokens } from '../../src/server/dashboard/page/format.ts'
import { seedLogin, type TestGateway, testGateway } from '../helpers/gateway.ts'
import { ROOT } from '../helpers/process.ts'
import { seedUsage, sumRows, utcDay } from '../helpers/usage-seed.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard')
const present = existsSync(CHROMIUM)
if (!present) console.warn(`dashboard tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`)

let browser: Browser
let gw: TestGateway
let adminKey: string
let budgetKey: string

beforeAll(async () => {
  if (!present) return
  gw = await testGateway()
  adminKey = gw.store.adminKeys.create('dashboard').key
  budgetKey = gw.store.keys.create({ name: 'team', budgetUsd: 0.05, budgetPeriod: 'day' }).key.id
  const other = gw.store.keys.create({ name: 'ci', rpm: 30 }).key.id
  await seedUsage(gw.store, [budgetKey, other])
  seedLogin(gw.store, 'claude', 'ada@example.com', { access_token: 'at-secret', refresh_token: 'rt-secret' })
  seedLogin(gw.store, 'claude', 'bob@example.com', {
    access_token: 'at2-secret',
    refresh_token: 'rt2-secret',
  })
  gw.store.cooldowns.put({
    provider: 'claude',
    account: 'bob@example.com',
    untilMs: Date.now() + 3_600_000,
    reason: 'rate_limit',
    failures: 1,
  })
  gw.store.quotas.save({
    provider: 'claude',
    account: 'ada@example.com',
    observedAt: Date.now(),
    quota: {
      windows: [
        { name: '5h', usedPercent: 42 },
        { name: '7d', usedPercent: 91 },
      ],
    },
  })
  mkdirSync(ARTIFACTS, { recursive: true })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await gw?.[Symbol.asyncDispose]()
  if (present) console.log(`dashboard screenshots: ${ARTIFACTS}`)
})

/** A page on the dashboard whose console errors, page errors and failed loads are collected. */
async function open(options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext(options)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`))
  await page.goto(`${gw.url}/dashboard`)
  return { page, problems }
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.fill('#admin-key', key)
  await page.click('#signin-form button[type=submit]')
}

/** Non-transparent pixels on a canvas: something was drawn. */
function inked(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as unknown as {
      width: number
      height: number
      getContext(t: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
      }
    }
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    let n = 0
    for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++
    return n
  })
}

describe.skipIf(!present)('dashboard in Chromium', () => {
  test('a wrong admin key is refused and nothing is shown', async () => {
    const { page, problems } = await open()
    await signIn(page, `${adminKey}-wrong`)
    await page.waitForSelector('#signin-error:has-text("not valid")')
    expect(await page.isHidden('#app')).toBe(true)
    await page.screenshot({ path: join(ARTIFACTS, 'wrong-key.png') })
    // the refused call is the one failure the console may report
    expect(problems.filter((p) => !p.includes('401'))).toEqual([])
    await page.context().close()
  }, 30_000)

  test('light: totals, charts, keys, accounts and requests equal the database; strict CSP; no console error', async () => {
    const res = await fetch(`${gw.url}/dashboard`)
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe')
    const { page, problems } = await open({ colorScheme: 'light', viewport: { width: 1280, height: 1000 } })
    await signIn(page, adminKey)
    await page.waitForSelector('[data-testid="today-cost"]:not(:empty)')
    const db = gw.dir.join('byokey.db')
    const now = Date.now()
    const today = sumRows(db, utcDay(now, 0), now + 1).get('all')!
    const d = new Date(now)
    const month = sumRows(db, Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), now + 1).get('all')!
    const text = (id: string) => page.textContent(`[data-testid="${id}"]`)
    expect(await text('today-cost')).toBe(formatUsd(today.cost_usd))
    expect(await text('today-requests')).toBe(tokens(today.requests))
    expect(await text('today-tokens')).toBe(tokens(today.input_tokens + today.output_tokens))
    expect(await text('month-cost')).toBe(formatUsd(month.cost_usd))
    expect(await text('month-requests')).toBe(tokens(month.requests))

    // the charts are drawn, and the numbers behind them are the rows' per day
    expect(await inked(page, '#cost-chart')).toBeGreaterThan(500)
    expect(await inked(page, '#tokens-chart')).toBeGreaterThan(500)
    const perDay = sumRows(db, utcDay(now, 29), now + 1, (r) =>
      new Date(Number(r['ts'])).toISOString().slice(0, 10),
    )
    const table = await page.$$eval('#usage-table tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    )
    expect(table.length).toBe(perDay.size)
    for (const cells of table) {
      const want = perDay.get(cells[0]!)!
      expect({ day: cells[0], cost: cells.at(-2), tokens: cells.at(-1) }).toEqual({
        day: cells[0],
        cost: formatUsd(want.cost_usd),
        tokens: tokens(want.input_tokens + want.output_tokens),
      })
    }
    // stacked by key: one series per key, named
    await page.selectOption('#stack-by', 'key')
    await page.waitForSelector('#usage-table th:has-text("team cost")', { state: 'attached' })

    // the key with a budget: today's spend against it
    const spent =
      sumRows(db, utcDay(now, 0), now + 1, (r) => String(r['key_id'])).get(budgetKey)?.cost_usd ?? 0
    const row = page.locator('#keys-table tbody tr', { hasText: 'team' })
    expect(await row.locator('progress').getAttribute('data-spend')).toBe(String(spent))
    expect(await row.textContent()).toContain(formatUsd(spent))
    expect(await row.locator('progress').evaluate((p) => (p as unknown as { max: number }).max)).toBe(0.05)

    // accounts: token state, the cooldown, quota bars
    const accounts = await page.textContent('#accounts')
    expect(accounts).toContain('ada@example.com')
    expect(accounts).toContain('cooling down until')
    expect(accounts).toContain('42% used')
    expect(await page.locator('#accounts progress').count()).toBe(2)
    expect(accounts).not.toContain('secret')

    // recent requests, newest first
    expect(await page.locator('#requests-table tbody tr').count()).toBe(6)
    await page.screenshot({ path: join(ARTIFACTS, 'light.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('dark: the same page in the dark scheme, no console error', async () => {
    const { page, problems } = await open({ colorScheme: 'dark', viewport: { width: 1280, height: 1000 } })
    await signIn(page, adminKey)
    await page.waitForSelector('[data-testid="today-cost"]:not(:empty)')
    const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(bg).toBe('rgb(15, 17, 21)')
    expect(await inked(page, '#cost-chart')).toBeGreaterThan(500)
    await page.screenshot({ path: join(ARTIFACTS, 'dark.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)

  test('phone: fits a 390 px screen without sideways scrolling', async () => {
    const { page, problems } = await open({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    })
    await signIn(page, adminKey)
    await page.waitForSelector('[data-testid="today-cost"]:not(:empty)')
    const { scroll, width } = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth })',
    )) as { scroll: number; width: number }
    expect(scroll).toBeLessThanOrEqual(width)
    expect(await inked(page, '#cost-chart')).toBeGreaterThan(500)
    await page.screenshot({ path: join(ARTIFACTS, 'phone.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.context().close()
  }, 60_000)
})

test('the page script typechecks against the DOM (its own tsconfig; the root one has no DOM)', () => {
  const tsc = Bun.spawnSync(
    [join(ROOT, 'node_modules', '.bin', 'tsc'), '--noEmit', '-p', join(ROOT, 'src/server/dashboard/page')],
    {
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  expect(tsc.stdout.toString() + tsc.stderr.toString()).toBe('')
  expect(tsc.exitCode).toBe(0)
}, 60_000)
