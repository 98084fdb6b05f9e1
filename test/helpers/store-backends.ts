/**
 * The same store tests on every backend: SQLite in a temporary folder, PostgreSQL in a fresh
 * database of a server this test file starts (skipped where the package is absent, failing in CI).
 * `describe.each(storeBackends())('…', (backend) => …)`, then `await using s = await backend.open()`.
 */
import { Database } from 'bun:sqlite'
import { afterAll, setDefaultTimeout } from 'bun:test'
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.ts'
import { openSqliteStore } from '../../src/store/sqlite/index.ts'
import type { Store } from '../../src/store/types.ts'
import { hasPostgres, type PostgresServer, requireServers, startPostgres } from './servers.ts'
import { tempDir } from './tmp.ts'

export interface OpenedStore {
  store: Store
  /** SQLite's database file (undefined on PostgreSQL). */
  file?: string
  /** Another store on the same data: a second instance, or the CLI beside the server (`opts` replace the first's). */
  another(opts?: PostgresStoreOptions): Promise<Store>
  /** A table's rows as the backend holds them at rest. */
  rawRows(table: string): Promise<Record<string, unknown>[]>
  [Symbol.asyncDispose](): Promise<void>
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres'
  /** True where the backend cannot run here (PostgreSQL not installed, outside CI). */
  skip: boolean
  open(opts?: PostgresStoreOptions): Promise<OpenedStore>
  toString(): string
}

/** One PostgreSQL server per test file, started on first use and stopped after the file's tests. */
class SharedPostgres {
  #server: Promise<PostgresServer> | undefined
  #databases = 0

  constructor() {
    afterAll(async () => {
      if (this.#server) await (await this.#server)[Symbol.asyncDispose]()
    })
  }

  async freshDatabase(): Promise<string> {
    this.#server ??= startPostgres()
    const server = await this.#server
    return await server.createDatabase(`store_${++this.#databases}_${process.pid}`)
  }
}

/** The backends, for the calling test file (which gets a longer timeout: its first PostgreSQL test starts the server). */
export function storeBackends(): StoreBackend[] {
  requireServers({ postgres: true })
  setDefaultTimeout(30_000)
  const pg = new SharedPostgres()
  return [
    {
      name: 'sqlite',
      skip: false,
      toString: () => 'sqlite',
      async open(opts = {}) {
        const dir = tempDir()
        const file = dir.join('byokey.db')
        const opened: Store[] = []
        const track = (s: Store) => {
          opened.push(s)
          return s
        }
        // of the options, SQLite takes the keyring only
        const sqliteOpts = (o: PostgresStoreOptions) => (o.keyring ? { keyring: o.keyring } : {})
        return {
          store: track(openSqliteStore(file, sqliteOpts(opts))),
          file,
          another: async (other = opts) => track(openSqliteStore(file, sqliteOpts(other))),
          async rawRows(table) {
            const db = new Database(file, { readonly: true })
            try {
              return db.query(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]
            } finally {
              db.close()
            }
          },
          async [Symbol.asyncDispose]() {
            for (const s of opened) await s.close()
            dir[Symbol.dispose]()
          },
        }
      },
    },
    {
      name: 'postgres',
      skip: !hasPostgres,
      toString: () => 'postgres',
      async open(opts = {}) {
        const url = await pg.freshDatabase()
        const opened: Store[] = []
        const openOne = async (other = opts) => {
          const s = await openPostgresStore(url, other)
          opened.push(s)
          return s
        }
        return {
          store: await openOne(),
          another: openOne,
          async rawRows(table) {
            const sql = new Bun.SQL(url, { max: 1 })
            try {
              return [...((await sql.unsafe(`SELECT * FROM ${table}`)) as Record<string, unknown>[])]
            } finally {
              await sql.close()
            }
          },
          async [Symbol.asyncDispose]() {
            for (const s of opened) await s.close().catch(() => {})
          },
        }
      },
    },
  ]
}
