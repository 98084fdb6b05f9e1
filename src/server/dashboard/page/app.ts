/**
 * The dashboard's script: signs in with an admin key (kept in this tab's sessionStorage only),
 * then reads the management API and draws what it says. Everything on the page is text set
 * through the DOM (never HTML from an answer) and every number shown comes from one answer.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js'
import type { UsageReport, UsageSums } from '../../../store/types.ts'
import { formatInt, formatUsd } from './format.ts'

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip)

const KEY_STORAGE = 'byokey-admin-key'
const REFRESH_MS = 10_000
const DAYS = 30
const DAY_MS = 86_400_000
const PALETTE = [
  '#2f6fde',
  '#e8590c',
  '#2b8a3e',
  '#ae3ec9',
  '#f08c00',
  '#0c8599',
  '#c2255c',
  '#5c940d',
  '#364fc7',
]

type Row = UsageReport['rows'][number]
type StackBy = 'model' | 'provider' | 'key'

interface KeyView {
  id: string
  name: string
  prefix: string
  models: string[] | null
  rpm: number | null
  budget_usd: number | null
  period: 'day' | 'month' | null
  expires_at: string | null
  revoked_at: string | null
  spend_period_usd: number | null
  spend_month_usd: number
  budget_resets_at: string | null
}

interface QuotaWindowView {
  name: string
  limit: number | null
  remaining: number | null
  used_percent: number | null
  resets_at: string | null
}

interface AccountView {
  id: string
  label: string | null
  kind: string
  active: boolean
  state: string
  expires_at: number | null
  last_error: string | null
  cooldown_until: string | null
  cooldown_reason: string | null
}

interface ProviderView {
  provider: string
  accounts: AccountView[]
  key_cooldowns?: Array<{ label: string; cooldown_until: string | null; cooldown_reason: string | null }>
  quotas: Array<{ account: string; windows: QuotaWindowView[] }>
}

interface RequestView {
  ts: string
  provider: string
  model: string
  account: string | null
  key_id: string | null
  status: number
  latency_ms: number
  input_tokens: number
  output_tokens: number
  cost_usd: number | null
}

class Unauthorized extends Error {}

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel)
  if (!el) throw new Error(`missing ${sel}`)
  return el
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string | number,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = String(text)
  if (cls) e.className = cls
  return e
}

function table(
  target: HTMLTableElement,
  head: string[],
  rows: Array<Array<string | number | Node>>,
  numeric: number[] = [],
) {
  target.replaceChildren()
  const thead = el('thead')
  const tr = el('tr')
  for (const [i, h] of head.entries()) tr.append(el('th', h, numeric.includes(i) ? 'num' : undefined))
  thead.append(tr)
  const tbody = el('tbody')
  for (const r of rows) {
    const row = el('tr')
    r.forEach((cell, i) => {
      const td = el('td', undefined, numeric.includes(i) ? 'num' : undefined)
      if (cell instanceof Node) td.append(cell)
      else td.textContent = String(cell)
      row.append(td)
    })
    tbody.append(row)
  }
  if (rows.length === 0) {
    const row = el('tr')
    const td = el('td', 'none yet', 'muted')
    td.colSpan = head.length
    row.append(td)
    tbody.append(row)
  }
  target.append(thead, tbody)
}

class Dashboard {
  #key: string | undefined = sessionStorage.getItem(KEY_STORAGE) ?? undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #charts: Chart[] = []
  #keyNames = new Map<string, string>()

  start(): void {
    $('#signin-form').addEventListener('submit', (e) => {
      e.preventDefault()
      const key = $<HTMLInputElement>('#admin-key').value.trim()
      if (key) void this.signIn(key)
    })
    $('#sign-out').addEventListener('click', () => this.signOut())
    $('#live').addEventListener('change', () => this.#schedule())
    $('#stack-by').addEventListener('change', () => void this.refresh())
    if (this.#key) void this.signIn(this.#key)
  }

  async signIn(key: string): Promise<void> {
    this.#key = key
    try {
      await this.refresh()
      sessionStorage.setItem(KEY_STORAGE, key)
      $('#signin-error').textContent = ''
      $('#signin').hidden = true
      $('#app').hidden = false
      $('#header-actions').hidden = false
      $<HTMLInputElement>('#admin-key').value = ''
      this.#schedule()
    } catch (e) {
      this.signOut()
      $('#signin-error').textContent =
        e instanceof Unauthorized
          ? 'That admin key is not valid.'
          : `Could not reach byokey: ${(e as Error).message}`
    }
  }

  signOut(): void {
    this.#key = undefined
    sessionStorage.removeItem(KEY_STORAGE)
    clearInterval(this.#timer)
    $('#app').hidden = true
    $('#header-actions').hidden = true
    $('#signin').hidden = false
  }

  #schedule(): void {
    clearInterval(this.#timer)
    if ($<HTMLInputElement>('#live').checked) {
      this.#timer = setInterval(() => {
        this.refresh().catch((e) => {
          if (e instanceof Unauthorized) this.signOut()
        })
      }, REFRESH_MS)
    }
  }

  async #get<T>(path: string): Promise<T> {
    const res = await fetch(`/admin/v1${path}`, { headers: { authorization: `Bearer ${this.#key}` } })
    if (res.status === 401) throw new Unauthorized()
    if (!res.ok) throw new Error(`${res.status} from ${path}`)
    return (await res.json()) as T
  }

  async refresh(): Promise<void> {
    const now = Date.now()
    const d = new Date(now)
    const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    const month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    const first = today - (DAYS - 1) * DAY_MS
    const stackBy = $<HTMLSelectElement>('#stack-by').value as StackBy
    const to = now + 1
    const [status, todays, months, usage, keys, accounts, requests] = await Promise.all([
      this.#get<{ version: string; uptime_s: number; config_version: number }>('/status'),
      this.#get<UsageReport>(`/usage?from=${today}&to=${to}`),
      this.#get<UsageReport>(`/usage?from=${month}&to=${to}`),
      this.#get<UsageReport>(`/usage?from=${first}&to=${to}&group_by=day,${stackBy}`),
      this.#get<{ keys: KeyView[] }>('/keys'),
      this.#get<{ providers: ProviderView[] }>('/accounts'),
      this.#get<{ requests: RequestView[] }>('/requests?limit=25'),
    ])
    this.#keyNames = new Map(keys.keys.map((k) => [k.id, k.name]))
    $('#server-line').textContent =
      `version ${status.version} · up ${Math.floor(status.uptime_s / 60)} min · config v${status.config_version}`
    this.#totals('today', todays.totals)
    this.#totals('month', months.totals)
    this.#usage(usage.rows, stackBy, first)
    this.#keys(keys.keys)
    this.#accounts(accounts.providers)
    this.#requests(requests.requests)
    $('#updated').textContent = `updated ${new Date().toLocaleTimeString()}`
  }

  #totals(which: 'today' | 'month', t: UsageSums): void {
    const set = (field: string, text: string, value: number) => {
      const node = $(`[data-testid="${which}-${field}"]`)
      node.textContent = text
      node.dataset.value = String(value)
    }
    set('cost', formatUsd(t.cost_usd), t.cost_usd)
    set('requests', formatInt(t.requests), t.requests)
    const tokens = t.input_tokens + t.output_tokens
    set('tokens', formatInt(tokens), tokens)
  }

  #seriesName(row: Row, stackBy: StackBy): string {
    const v = row[stackBy]
    if (v === null || v === undefined) return stackBy === 'key' ? '(no key)' : '(none)'
    return stackBy === 'key' ? (this.#keyNames.get(v) ?? v) : v
  }

  #usage(rows: Row[], stackBy: StackBy, first: number): void {
    const days: string[] = []
    for (let i = 0; i < DAYS; i++) days.push(new Date(first + i * DAY_MS).toISOString().slice(0, 10))
    const names = [...new Set(rows.map((r) => this.#seriesName(r, stackBy)))].sort()
    const grid = (pick: (r: Row) => number) =>
      names.map((name) =>
        days.map((day) =>
          rows
            .filter((r) => r.day === day && this.#seriesName(r, stackBy) === name)
            .reduce((s, r) => s + pick(r), 0),
        ),
      )
    const cost = grid((r) => r.cost_usd)
    const tokens = grid((r) => r.input_tokens + r.output_tokens)
    const labels = days.map((d) => d.slice(5))
    this.#draw(
      0,
      '#cost-chart',
      labels,
      names,
      cost,
      (v) => `$${v.toFixed(v !== 0 && Math.abs(v) < 0.1 ? 3 : 2)}`,
    )
    this.#draw(1, '#tokens-chart', labels, names, tokens, formatInt)
    const shown = days
      .map((day, i) => ({ day, i }))
      .filter(({ i }) => names.some((_, n) => (tokens[n]?.[i] ?? 0) > 0 || (cost[n]?.[i] ?? 0) > 0))
    table(
      $<HTMLTableElement>('#usage-table'),
      ['day', ...names.map((n) => `${n} cost`), 'total cost', 'total tokens'],
      shown.map(({ day, i }) => [
        day,
        ...names.map((_, n) => formatUsd(cost[n]?.[i] ?? 0)),
        formatUsd(cost.reduce((s, c) => s + (c[i] ?? 0), 0)),
        formatInt(tokens.reduce((s, c) => s + (c[i] ?? 0), 0)),
      ]),
      names.map((_, n) => n + 1).concat([names.length + 1, names.length + 2]),
    )
  }

  #draw(
    slot: number,
    sel: string,
    labels: string[],
    names: string[],
    data: number[][],
    tick: (v: number) => string,
  ): void {
    const css = getComputedStyle(document.documentElement)
    const text = css.getPropertyValue('--muted').trim()
    const grid = css.getPropertyValue('--grid').trim()
    const datasets = names.map((label, i) => ({
      label,
      data: data[i] ?? [],
      backgroundColor: PALETTE[i % PALETTE.length],
      stack: 'all',
    }))
    const existing = this.#charts[slot]
    if (existing) {
      existing.data.labels = labels
      existing.data.datasets = datasets
      existing.update()
      return
    }
    this.#charts[slot] = new Chart($<HTMLCanvasElement>(sel), {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: text, boxWidth: 12 } } },
        scales: {
          x: { stacked: true, ticks: { color: text }, grid: { color: grid } },
          y: {
            stacked: true,
            ticks: { color: text, callback: (v) => tick(Number(v)) },
            grid: { color: grid },
          },
        },
      },
    })
  }

  #keys(keys: KeyView[]): void {
    table(
      $<HTMLTableElement>('#keys-table'),
      ['name', 'key', 'spend', 'budget', 'this month', 'limits', 'state'],
      keys.map((k) => {
        const spend = el('span')
        if (k.budget_usd !== null && k.spend_period_usd !== null) {
          const bar = el('progress')
          bar.max = k.budget_usd
          bar.value = Math.min(k.spend_period_usd, k.budget_usd)
          if (k.spend_period_usd >= k.budget_usd) bar.className = 'over'
          bar.dataset.spend = String(k.spend_period_usd)
          spend.append(bar, ` ${formatUsd(k.spend_period_usd)}`)
        } else spend.textContent = '—'
        const limits = [k.rpm ? `${k.rpm} rpm` : '', k.models ? k.models.join(', ') : 'all models']
          .filter(Boolean)
          .join(' · ')
        const state = k.revoked_at
          ? el('span', 'revoked', 'badge state-bad')
          : k.expires_at && Date.parse(k.expires_at) <= Date.now()
            ? el('span', 'expired', 'badge state-warn')
            : el('span', 'active', 'badge state-ok')
        return [
          k.name,
          `${k.prefix}…`,
          spend,
          k.budget_usd === null ? '—' : `${formatUsd(k.budget_usd)} / ${k.period}`,
          formatUsd(k.spend_month_usd),
          limits,
          state,
        ]
      }),
    )
  }

  #accounts(providers: ProviderView[]): void {
    const box = $('#accounts')
    box.replaceChildren()
    for (const p of providers) {
      const section = el('div', undefined, 'provider')
      section.append(el('h3', p.provider))
      if (p.accounts.length === 0) section.append(el('p', 'not logged in', 'muted'))
      for (const a of p.accounts) {
        const line = el('div', undefined, 'account')
        const good = a.state === 'ok'
        line.append(
          el('strong', a.label ? `${a.id} (${a.label})` : a.id),
          ' ',
          el('span', a.active ? 'active' : a.kind, 'badge'),
          ' ',
          el('span', a.state.replace('_', ' '), `badge ${good ? 'state-ok' : 'state-bad'}`),
        )
        if (a.cooldown_until && Date.parse(a.cooldown_until) > Date.now()) {
          line.append(
            ' ',
            el(
              'span',
              `cooling down until ${new Date(a.cooldown_until).toLocaleTimeString()} (${a.cooldown_reason})`,
              'badge state-warn',
            ),
          )
        }
        const q = p.quotas.find((x) => x.account === a.id)
        if (q) line.append(this.#quota(q.windows))
        section.append(line)
      }
      for (const k of p.key_cooldowns ?? []) {
        section.append(el('div', `key ${k.label}: cooling down (${k.cooldown_reason})`, 'account state-warn'))
      }
      box.append(section)
    }
  }

  #quota(windows: QuotaWindowView[]): HTMLElement {
    const wrap = el('div', undefined, 'quota')
    for (const w of windows) {
      const used =
        w.used_percent ??
        (w.limit && w.remaining !== null ? ((w.limit - w.remaining) / w.limit) * 100 : undefined)
      const item = el('span', `${w.name} `)
      if (used !== undefined) {
        const bar = el('progress')
        bar.max = 100
        bar.value = used
        if (used >= 90) bar.className = 'over'
        item.append(bar, ` ${Math.round(used)}% used`)
      } else if (w.remaining !== null) item.append(`${w.remaining} left`)
      wrap.append(item)
    }
    return wrap
  }

  #requests(list: RequestView[]): void {
    table(
      $<HTMLTableElement>('#requests-table'),
      ['time', 'model', 'provider', 'account', 'key', 'status', 'ms', 'tokens', 'cost'],
      list.map((r) => [
        new Date(r.ts).toLocaleString(),
        r.model,
        r.provider,
        r.account ?? '—',
        r.key_id ? (this.#keyNames.get(r.key_id) ?? r.key_id) : '—',
        el('span', r.status, r.status >= 400 ? 'state-bad' : 'state-ok'),
        r.latency_ms,
        formatInt(r.input_tokens + r.output_tokens),
        r.cost_usd === null ? '—' : formatUsd(r.cost_usd),
      ]),
      [6, 7, 8],
    )
  }
}

new Dashboard().start()
