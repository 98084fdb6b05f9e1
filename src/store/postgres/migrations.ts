/**
 * The numbered migrations of `../sqlite/migrations.ts` in PostgreSQL's words: same numbers, same
 * names, same tables and columns (so rows copy across unchanged), the SQL differing where the
 * dialects do. Integers that hold Unix ms are BIGINT, REAL is DOUBLE PRECISION, flags stay 0/1.
 *
 * One difference of substance: instead of SQLite's per-table version rows, every table this store
 * mirrors in memory moves its row of `table_versions` (a trigger per table), which instances read
 * every `store.sync_ms` to see each other's writes. Updates that only note a use (`last_used_at`)
 * do not move it.
 */
import type { SQL } from 'bun'
import { MIGRATIONS } from '../sqlite/migrations.ts'

/** Tables mirrored in memory, as named in `table_versions`. */
export const MIRRORED_TABLES = [
  'accounts',
  'account_cooldowns',
  'account_quotas',
  'gateway_keys',
  'admin_keys',
] as const
export type MirroredTable = (typeof MIRRORED_TABLES)[number]

const versioned = (table: MirroredTable, on = 'INSERT OR UPDATE OR DELETE') => `
  INSERT INTO table_versions (name, version) VALUES ('${table}', 0);
  CREATE TRIGGER ${table}_version AFTER ${on} ON ${table}
    FOR EACH ROW EXECUTE FUNCTION byokey_bump_table_version();`

/** PostgreSQL's SQL of each migration, by number. */
export const POSTGRES_SQL: Readonly<Record<number, string>> = {
  1: `
    CREATE TABLE accounts (
      id          BIGSERIAL PRIMARY KEY,
      provider    TEXT    NOT NULL,
      account_id  TEXT    NOT NULL,
      label       TEXT,
      kind        TEXT    NOT NULL CHECK (kind IN ('oauth', 'api_key')),
      is_active   INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
      token_json  TEXT    NOT NULL,
      expires_at  BIGINT,
      created_at  BIGINT  NOT NULL,
      updated_at  BIGINT  NOT NULL,
      UNIQUE (provider, account_id)
    );
    CREATE UNIQUE INDEX accounts_one_active ON accounts (provider) WHERE is_active = 1;
    CREATE TABLE usage_records (
      id                 BIGSERIAL PRIMARY KEY,
      ts                 BIGINT  NOT NULL,
      provider           TEXT    NOT NULL,
      account            TEXT,
      model              TEXT    NOT NULL,
      dialect            TEXT    NOT NULL,
      input_tokens       BIGINT  NOT NULL DEFAULT 0,
      output_tokens      BIGINT  NOT NULL DEFAULT 0,
      cache_read_tokens  BIGINT  NOT NULL DEFAULT 0,
      cache_write_tokens BIGINT  NOT NULL DEFAULT 0,
      reasoning_tokens   BIGINT  NOT NULL DEFAULT 0,
      status             INTEGER NOT NULL,
      latency_ms         DOUBLE PRECISION NOT NULL,
      stream             INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX usage_by_time ON usage_records (ts);`,
  2: `
    ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT 'ok';
    ALTER TABLE accounts ADD COLUMN last_error TEXT;
    ALTER TABLE usage_records ADD COLUMN request_id TEXT;
    ALTER TABLE usage_records ADD COLUMN ttfb_ms DOUBLE PRECISION;
    CREATE INDEX usage_by_model ON usage_records (provider, model, ts);`,
  3: `
    CREATE TABLE table_versions (
      name    TEXT   PRIMARY KEY,
      version BIGINT NOT NULL
    );
    CREATE FUNCTION byokey_bump_table_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE table_versions SET version = version + 1 WHERE name = TG_TABLE_NAME;
        RETURN NULL;
      END $$;
    ${versioned('accounts')}`,
  4: `
    CREATE TABLE account_cooldowns (
      provider   TEXT    NOT NULL,
      account    TEXT    NOT NULL,
      until_ms   BIGINT  NOT NULL,
      reason     TEXT    NOT NULL,
      failures   INTEGER NOT NULL,
      updated_at BIGINT  NOT NULL,
      PRIMARY KEY (provider, account)
    );
    ${versioned('account_cooldowns')}`,
  5: `
    ALTER TABLE usage_records ADD COLUMN attempt INTEGER;
    ALTER TABLE usage_records ADD COLUMN failed_over INTEGER NOT NULL DEFAULT 0;`,
  6: `
    CREATE TABLE account_quotas (
      provider    TEXT   NOT NULL,
      account     TEXT   NOT NULL,
      observed_at BIGINT NOT NULL,
      quota_json  TEXT   NOT NULL,
      PRIMARY KEY (provider, account)
    );
    ${versioned('account_quotas')}`,
  7: `
    CREATE TABLE gateway_keys (
      id            TEXT    PRIMARY KEY,
      name          TEXT    NOT NULL,
      digest        TEXT    NOT NULL UNIQUE,
      prefix        TEXT    NOT NULL,
      models_json   TEXT,
      rpm           INTEGER,
      budget_usd    DOUBLE PRECISION,
      budget_period TEXT    CHECK (budget_period IN ('day', 'month')),
      expires_at    BIGINT,
      created_at    BIGINT  NOT NULL,
      rotated_at    BIGINT,
      revoked_at    BIGINT
    );
    ${versioned('gateway_keys')}`,
  8: `
    ALTER TABLE usage_records ADD COLUMN key_id TEXT;
    ALTER TABLE usage_records ADD COLUMN cost_usd DOUBLE PRECISION;
    ALTER TABLE usage_records ADD COLUMN cost_input_usd DOUBLE PRECISION;
    ALTER TABLE usage_records ADD COLUMN cost_output_usd DOUBLE PRECISION;
    ALTER TABLE usage_records ADD COLUMN cost_cache_read_usd DOUBLE PRECISION;
    ALTER TABLE usage_records ADD COLUMN cost_cache_write_usd DOUBLE PRECISION;
    ALTER TABLE usage_records ADD COLUMN cost_reasoning_usd DOUBLE PRECISION;
    CREATE INDEX usage_by_key ON usage_records (key_id, ts) WHERE key_id IS NOT NULL;`,
  9: `
    CREATE TABLE admin_keys (
      id           TEXT   PRIMARY KEY,
      name         TEXT   NOT NULL,
      key_hash     TEXT   NOT NULL UNIQUE,
      hint         TEXT   NOT NULL,
      created_at   BIGINT NOT NULL,
      last_used_at BIGINT
    );
    ${versioned('admin_keys', 'INSERT OR DELETE OR UPDATE OF name, key_hash, hint')}`,
}

/** The shared list with PostgreSQL's SQL: a migration SQLite has and this file lacks fails here, at load. */
export const POSTGRES_MIGRATIONS = MIGRATIONS.map((m) => {
  const sql = POSTGRES_SQL[m.version]
  if (sql === undefined) throw new Error(`migration ${m.version} (${m.name}) has no PostgreSQL SQL`)
  return { version: m.version, name: m.name, sql }
})

export const POSTGRES_LATEST = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version

/** Held while migrating, so instances starting together apply each migration once. */
const MIGRATION_LOCK = 0x6279_6b79 // "byky"

/**
 * Applies the pending migrations up to `target` (default: all) in one transaction, under an
 * advisory lock; returns the resulting version. Refuses a database of a newer byokey.
 */
export async function migratePostgres(sql: SQL, target = POSTGRES_LATEST): Promise<number> {
  return await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at BIGINT  NOT NULL
    )`
    const current = await versionIn(tx)
    if (current > POSTGRES_LATEST) {
      throw new Error(
        `database schema version ${current} is newer than this byokey understands (${POSTGRES_LATEST}); upgrade byokey`,
      )
    }
    for (const m of POSTGRES_MIGRATIONS) {
      if (m.version <= current || m.version > target) continue
      await tx.unsafe(m.sql)
      await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`
    }
    return await versionIn(tx)
  })
}

/** The schema version of the database (0: none yet). */
export async function postgresSchemaVersion(sql: SQL): Promise<number> {
  const [exists] = await sql`SELECT to_regclass('schema_migrations') IS NOT NULL AS yes`
  return exists?.yes ? await versionIn(sql) : 0
}

async function versionIn(sql: SQL): Promise<number> {
  const [row] = await sql`SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations`
  return (row as { v: number } | undefined)?.v ?? 0
}
