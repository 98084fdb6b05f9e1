/**
 * Text → validated `Config`: YAML or JSON by file extension, defaults filled in, unknown keys
 * reported (typos must be visible), and every error naming the file, line and field.
 */
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LineCounter, type Node, parseDocument } from 'yaml'
import { canonicalProviderKeys } from './provider-keys.ts'
import { mapRoutingPolicies } from './routing-policies.ts'
import {
  AdminConfig,
  AmpConfig,
  type Config,
  ConfigSchema,
  CooldownConfig,
  LogConfig,
  ModelListsConfig,
  PayloadConfig,
  ProviderConfig,
  QuotaReadsConfig,
  ServerConfig,
  StoreConfig,
  StreamingConfig,
  UpstreamTimeouts,
} from './schema.ts'
import { isSecretKey } from './secrets.ts'

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field ? `${field}: ` : ''}${detail}`)
    this.name = 'ConfigError'
  }
}

export interface Loaded {
  config: Config
  /** Human-readable warnings (unknown keys), each with file and line. */
  warnings: string[]
  /**
   * The text holds no document at all (empty, only comments, `~` or `null`): built-in defaults.
   * An in-place editor save passes through this state, so a reload must not take it for a config.
   */
  blank: boolean
}

type Path = (string | number)[]

/** Parses, fills defaults and validates; throws `ConfigError` with the place of the first problem. */
export function parseConfig(text: string, file: string, overrides?: Overrides): Loaded {
  const lines = new LineCounter()
  const json = file.toLowerCase().endsWith('.json')
  // JSON is valid YAML 1.2, so one parser gives values and positions for both formats.
  const doc = parseDocument(text, { merge: !json, uniqueKeys: true, prettyErrors: true, lineCounter: lines })
  const first = doc.errors[0]
  if (first) {
    const line = first.linePos?.[0].line
    const detail = (first.message.split('\n')[0] ?? first.message).replace(/ at line \d+, column \d+:?$/, '')
    throw new ConfigError(file, line, undefined, detail)
  }
  if (json) {
    try {
      JSON.parse(text)
    } catch (e) {
      throw new ConfigError(file, undefined, undefined, `invalid JSON: ${(e as Error).message}`)
    }
  }
  const value: unknown = doc.toJS()
  const blank = value === null || value === undefined
  const raw: unknown = value ?? {}
  const lineOf = (path: Path): number | undefined => {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = doc.getIn(p, true) as Node | undefined
      const start = node?.range?.[0]
      if (start !== undefined) return lines.linePos(start).line
      if (p.length === 0) break
    }
    return undefined
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, 1, undefined, 'the top level must be a mapping of keys')
  }
  return { ...validate(raw, file, lineOf, overrides), blank }
}

/** Fills defaults, validates and reports unknown keys. */
export function validate(
  input: object,
  file: string,
  lineOf: (p: Path) => number | undefined = () => undefined,
  overrides?: Overrides,
): Omit<Loaded, 'blank'> {
  const raw = overrides ? merge(input as Record<string, unknown>, overrides) : input
  const warnings = unknownKeys(ConfigSchema, raw, []).map((p) => {
    const line = lineOf(p)
    return `${file}${line === undefined ? '' : `:${line}`}: unknown key '${p.join('.')}' (ignored; check the spelling)`
  })
  const cleaned = Value.Clone(raw) as Record<string, unknown>
  removePaths(cleaned, unknownKeys(ConfigSchema, raw, []))
  // before defaults fill them in: a policy must not override what the file says itself
  const ownKeys = providerKeysIn(cleaned)
  const withDefaults = fillDefaults(ConfigSchema, cleaned) as Record<string, unknown>
  const err = Value.Errors(ConfigSchema, withDefaults).First()
  if (err) {
    const path = err.path.split('/').filter(Boolean)
    const field = path.join('.')
    // a key of the wrong type is still a key: the message names the field, never its value
    const found = path.some(isSecretKey) ? undefined : JSON.stringify(err.value)
    throw new ConfigError(
      file,
      lineOf(path.map((s) => (/^\d+$/.test(s) ? Number(s) : s))),
      field || undefined,
      `${err.message}${found === undefined ? '' : ` (found ${found.length > 60 ? `${found.slice(0, 57)}...` : found})`}`,
    )
  }
  const config = withDefaults as unknown as Config
  config.log = fillDefaults(LogConfig, config.log ?? {}) as Config['log']
  config.server = fillDefaults(ServerConfig, config.server ?? {}) as Config['server']
  config.payload = fillDefaults(PayloadConfig, config.payload ?? {}) as Config['payload']
  config.timeouts = fillDefaults(UpstreamTimeouts, config.timeouts ?? {}) as Config['timeouts']
  config.model_lists = fillDefaults(ModelListsConfig, config.model_lists ?? {}) as Config['model_lists']
  config.quota_reads = fillDefaults(QuotaReadsConfig, config.quota_reads ?? {}) as Config['quota_reads']
  config.streaming = fillDefaults(StreamingConfig, config.streaming ?? {}) as Config['streaming']
  config.cooldown = fillDefaults(CooldownConfig, config.cooldown ?? {}) as Config['cooldown']
  config.admin = fillDefaults(AdminConfig, config.admin ?? {}) as Config['admin']
  config.amp = fillDefaults(AmpConfig, config.amp ?? {}) as Config['amp']
  config.store = fillDefaults(StoreConfig, config.store ?? {}) as Config['store']
  checkUpstreams(config, file)
  for (const w of canonicalProviderKeys(config.providers)) warnings.push(`${file}: ${w}`)
  const policies = mapRoutingPolicies(config.routing_policies, ownKeys)
  for (const [id, settings] of Object.entries(policies.settings)) {
    const base = config.providers[id] ?? (fillDefaults(ProviderConfig, {}) as Config['providers'][string])
    config.providers[id] = { ...base, ...settings }
  }
  for (const w of policies.warnings) {
    const line = lineOf(['routing_policies', w.index])
    warnings.push(`${file}${line === undefined ? '' : `:${line}`}: routing_policies.${w.index}: ${w.message}`)
  }
  return { config: deepFreeze(config), warnings }
}

/** The built-in defaults (no file), with command-line overrides. */
export function defaultConfig(overrides?: Overrides): Config {
  return validate({}, '(defaults)', undefined, overrides).config
}

/** Command-line flags win over the file; they are validated like the file's values. */
export type Overrides = Record<string, unknown>

function merge(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined) continue
    const b = out[k]
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v
  }
  return out
}

/** Per provider id, the keys the file (with overrides) sets under `providers.<id>`, read now. */
function providerKeysIn(raw: Record<string, unknown>): (provider: string) => ReadonlySet<string> {
  const providers = raw['providers']
  const keys = new Map<string, ReadonlySet<string>>()
  if (providers && typeof providers === 'object') {
    for (const [id, own] of Object.entries(providers)) {
      keys.set(id, new Set(own && typeof own === 'object' ? Object.keys(own) : []))
    }
  }
  return (id) => keys.get(id) ?? new Set()
}

function checkUpstreams(config: Config, file: string): void {
  const seen = new Set<string>()
  config.upstreams.forEach((u, i) => {
    if (seen.has(u.name)) {
      throw new ConfigError(file, undefined, `upstreams.${i}.name`, `duplicate upstream name '${u.name}'`)
    }
    seen.add(u.name)
  })
}

interface SchemaShape {
  default?: unknown
  properties?: Record<string, TSchema>
  patternProperties?: Record<string, TSchema>
  items?: TSchema
}

/** Fills schema defaults at every depth, inside records (`providers.<id>`) too, which TypeBox's Value.Default skips. */
function fillDefaults(schema: TSchema, value: unknown): unknown {
  const s = schema as TSchema & SchemaShape
  if (value === undefined) return s.default === undefined ? undefined : structuredClone(s.default)
  if (Array.isArray(value)) return s.items ? value.map((v) => fillDefaults(s.items as TSchema, v)) : value
  if (typeof value !== 'object' || value === null) return value
  const obj = value as Record<string, unknown>
  if (s.properties) {
    for (const [k, sub] of Object.entries(s.properties)) {
      const filled = fillDefaults(sub, obj[k])
      if (filled !== undefined) obj[k] = filled
    }
  } else if (s.patternProperties) {
    const sub = Object.values(s.patternProperties)[0]
    if (sub) for (const k of Object.keys(obj)) obj[k] = fillDefaults(sub, obj[k])
  }
  return obj
}

/** Paths of keys the schema does not declare, at any depth. */
export function unknownKeys(schema: TSchema, value: unknown, path: Path): Path[] {
  if (typeof value !== 'object' || value === null) return []
  const s = schema as TSchema & {
    properties?: Record<string, TSchema>
    additionalProperties?: boolean | TSchema
    patternProperties?: Record<string, TSchema>
    items?: TSchema
    anyOf?: TSchema[]
  }
  if (Array.isArray(value)) {
    if (!s.items) return []
    return value.flatMap((v, i) => unknownKeys(s.items as TSchema, v, [...path, i]))
  }
  const obj = value as Record<string, unknown>
  const out: Path[] = []
  if (s.properties) {
    for (const k of Object.keys(obj)) {
      const sub = s.properties[k]
      if (sub) out.push(...unknownKeys(sub, obj[k], [...path, k]))
      else if (s.additionalProperties === false) out.push([...path, k])
    }
  } else if (s.patternProperties) {
    const sub = Object.values(s.patternProperties)[0]
    if (sub) for (const k of Object.keys(obj)) out.push(...unknownKeys(sub, obj[k], [...path, k]))
  }
  return out
}

function removePaths(root: Record<string, unknown>, paths: Path[]): void {
  for (const p of paths) {
    let node: unknown = root
    for (const k of p.slice(0, -1)) node = (node as Record<string | number, unknown>)[k]
    if (node && typeof node === 'object') delete (node as Record<string | number, unknown>)[p[p.length - 1]!]
  }
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k])
  }
  return v
}
