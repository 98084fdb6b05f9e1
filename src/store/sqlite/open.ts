/** Opens the SQLite file the safe way: folder 0700, file 0600 before SQLite creates it (its -wal and -shm copy the mode). */
import { Database } from 'bun:sqlite'
import { ensurePrivateFile } from '../private-file.ts'

export function openDatabase(path: string): Database {
  // an older file created with a looser umask is tightened too
  if (path !== ':memory:') ensurePrivateFile(path)
  const db = new Database(path, { create: true, strict: true })
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA foreign_keys = ON')
  return db
}
