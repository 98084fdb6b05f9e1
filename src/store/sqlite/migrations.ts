/**
 * Numbered schema migrations. Each runs once, in its own transaction, recorded in
 * `schema_migrations`; a database made by an older build opens with a newer one. Never edit a
 * shipped migration: add the next number.
 */
import type { Database } from 'bun:sqlite'

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'accounts and usage',
    sql: `
      CREATE TABLE accounts (
        id          INTEGER PRIMARY KEY,
        provider    TEXT    NOT NULL,
        account_id  TEXT    NOT NULL,
        label       TEXT,
        kind        TEXT    NOT NULL CHECK (kind IN ('oauth', 'api_key')),
        is_active   INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
        token_json  TEXT    NOT NULL,
        expires_at  INTEGER,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        UNIQUE (provider, account_id)
      );
      CREATE UNIQUE INDEX accounts_one_active ON accounts (provider) WHERE is_active = 1;
      CREATE TABLE usage_records (
        id                 INTEGER PRIMARY KEY,
        ts                 INTEGER NOT NULL,
        provider           TEXT    NOT NULL,
        account            TEXT,
        model              TEXT    NOT NULL,
        dialect            TEXT    NOT NULL,
        input_tokens       INTEGER NOT NULL DEFAULT 0,
        output_tokens      INTEGER NOT NULL DEFAULT 0,
        cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
        status             INTEGER NOT NULL,
        latency_ms         INTEGER NOT NULL,
        stream             INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX usage_by_time ON usage_records (ts);
    `,
  },
  {
    version: 2,
    name: 'account health, request ids and time to first byte',
    sql: `
      ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT 'ok';
      ALTER TABLE accounts ADD COLUMN last_error TEXT;
      ALTER TABLE usage_records ADD COLUMN request_id TEXT;
      ALTER TABLE usage_records ADD COLUMN ttfb_ms INTEGER;
      CREATE INDEX usage_by_model ON usage_records (provider, model, ts);
    `,
  },
  {
    version: 3,
    name: 'accounts version',
    // One number that any change of the accounts table moves, whichever connection or process
    // made it (`byokey login` writes beside a running server): what the gateway's route cache
    // keys on, since a bare model's route depends on which providers have a credential.
    sql: `
      CREATE TABLE accounts_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO accounts_version (id, version) VALUES (1, 0);
      CREATE TRIGGER accounts_version_on_insert AFTER INSERT ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_on_update AFTER UPDATE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
      CREATE TRIGGER accounts_version_on_delete AFTER DELETE ON accounts
        BEGIN UPDATE accounts_version SET version = version + 1; END;
    `,
  },
  {
    version: 4,
    name: 'account cooldowns',
    // Keyed by the credential's label, not the accounts table: keys from the config cool down
    // too, and they have no row there.
    sql: `
      CREATE TABLE account_cooldowns (
        provider   TEXT    NOT NULL,
        account    TEXT    NOT NULL,
        until_ms   INTEGER NOT NULL,
        reason     TEXT    NOT NULL,
        failures   INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (provider, account)
      );
    `,
  },
  {
    version: 5,
    name: 'usage rows per attempt',
    // Every upstream attempt leaves a row; those the request moved on from are marked, so
    // counts of requests stay one per request.
    sql: `
      ALTER TABLE usage_records ADD COLUMN attempt INTEGER;
      ALTER TABLE usage_records ADD COLUMN failed_over INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 6,
    name: 'account quotas',
    // The latest limits each credential's answers reported, so `status` and `accounts` show them
    // from their own process. Keyed by label, not tied to `accounts`: config keys have quotas too.
    sql: `
      CREATE TABLE account_quotas (
        provider    TEXT    NOT NULL,
        account     TEXT    NOT NULL,
        observed_at INTEGER NOT NULL,
        quota_json  TEXT    NOT NULL,
        PRIMARY KEY (provider, account)
      );
    `,
  },
  {
    version: 7,
    name: 'gateway keys',
    // Only a digest of each key is kept; `prefix` is what lists show. Revoked keys stay so usage
    // rows keep naming them. The version table moves on every change (as accounts_version does),
    // so a server rebuilds its lookup table when `byokey keys …` writes beside it.
    sql: `
      CREATE TABLE gateway_keys (
        id            TEXT    PRIMARY KEY,
        name          TEXT    NOT NULL,
        digest        TEXT    NOT NULL UNIQUE,
        prefix        TEXT    NOT NULL,
        models_json   TEXT,
        rpm           INTEGER,
        budget_usd    REAL,
        budget_period TEXT    CHECK (budget_period IN ('day', 'month')),
        expires_at    INTEGER,
        created_at    INTEGER NOT NULL,
        rotated_at    INTEGER,
        revoked_at    INTEGER
      );
      CREATE TABLE gateway_keys_version (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
      );
      INSERT INTO gateway_keys_version (id, version) VALUES (1, 0);
      CREATE TRIGGER gateway_keys_version_on_insert AFTER INSERT ON gateway_keys
        BEGIN UPDATE gateway_keys_version SET version = version + 1; END;
      CREATE TRIGGER gateway_keys_version_on_update AFTER UPDATE ON gateway_keys
        BEGIN UPDATE gateway_keys_version SET version = version + 1; END;
      CREATE TRIGGER gateway_keys_version_on_delete AFTER DELETE ON gateway_keys
        BEGIN UPDATE gateway_keys_version SET version = version + 1; END;
    `,
  },
  {
    version: 8,
    name: 'usage key and cost',
    // Cost in USD as REAL so SUM() works; NULL when the model has no known price (never 0, which
    // would read as free). The parts add up to cost_usd.
    sql: `
      ALTER TABLE usage_records ADD COLUMN key_id TEXT;
      ALTER TABLE usage_records ADD COLUMN cost_usd REAL;
      ALTER TABLE usage_records ADD COLUMN cost_input_usd REAL;
      ALTER TABLE usage_records ADD COLUMN cost_output_usd REAL;
      ALTER TABLE usage_records ADD COLUMN cost_cache_read_usd REAL;
      ALTER TABLE usage_records ADD COLUMN cost_cache_write_usd REAL;
      ALTER TABLE usage_records ADD COLUMN cost_reasoning_usd REAL;
      CREATE INDEX usage_by_key ON usage_records (key_id, ts) WHERE key_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'admin keys',
    // Keys of the management API and the dashboard: only a SHA-256 of each is kept (the keys are
    // 32 random bytes, so a plain hash is as strong as a slow one), looked up by that hash.
    sql: `
      CREATE TABLE admin_keys (
        id           TEXT    PRIMARY KEY,
        name         TEXT    NOT NULL,
        key_hash     TEXT    NOT NULL UNIQUE,
        hint         TEXT    NOT NULL,
        created_at   INTEGER NOT NULL,
        last_used_at INTEGER
      );
    `,
  },
]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version

/** Applies the pending migrations up to `target` (default: all); returns the resulting version. */
export function migrate(db: Database, target = LATEST_VERSION): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`)
  const current = schemaVersion(db)
  if (current > LATEST_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this byokey understands (${LATEST_VERSION}); upgrade byokey`,
    )
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)')
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run({ v: m.version, n: m.name, t: Date.now() })
    }).immediate()
  }
  return schemaVersion(db)
}

export function schemaVersion(db: Database): number {
  const row = db.query('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null } | null
  return row?.v ?? 0
}
