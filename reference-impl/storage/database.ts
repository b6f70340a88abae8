/**
 * The reference servers' durable state: one SQLite database (better-sqlite3 12.x), in memory by default or in a
 * data file the operator names. Each store (application-server/key-store.ts, authentication-server/
 * bootstrap-store.ts, resource-server/rights-store.ts) declares its tables and a schema version; several stores,
 * and several processes, may share one file.
 *
 * Crash safety (docs/reference-implementation.md 3): WAL journal with synchronous=FULL. Every write is its own
 * transaction, committed before the caller goes on, so a counter is on disk before the answer that depends on it
 * is sent. Under WAL, synchronous=NORMAL would also survive the process being killed (the commit is in the WAL in
 * the OS page cache), but a power loss or kernel crash could drop the last commits and let a replay counter go
 * backwards; FULL fsyncs the WAL on every commit, which is what replay protection needs.
 *
 * The file holds keys in clear (created mode 0600): a test tool's choice. A production store adds encryption at
 * rest with a key outside the database, or keeps the keys in an HSM and stores only handles.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, statSync } from 'node:fs';

export type Db = Database.Database;

/** PRAGMA application_id of a reference data file: "OBF1". */
export const APPLICATION_ID = 0x4f424631;

/** A data file that cannot be used: missing folder, not SQLite, another application's, a newer schema. */
export class DataFileError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`cannot use '${file}' as the reference data file: ${reason}`);
    this.name = 'DataFileError';
  }
}

export interface StoreSchema {
  /** Store name, recorded in obf_store with its version. */
  name: string;
  version: number;
  /** CREATE TABLE IF NOT EXISTS ... statements. */
  ddl: string;
}

/** Where the state lives: a file path, or undefined for a private in-memory database. */
export type DataLocation = string | undefined;

function sqliteReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'SQLITE_NOTADB') return 'it is not an SQLite database';
  if (code === 'SQLITE_CANTOPEN') return 'it cannot be opened (missing folder or no permission)';
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') return 'it is not writable';
  if (code === 'SQLITE_CORRUPT') return 'the database is damaged';
  return (e as Error).message ?? String(e);
}

function fileConnection(file: string): Db {
  if (existsSync(file) && !statSync(file).isFile()) throw new DataFileError(file, 'it is not a regular file');
  if (!existsSync(file)) {
    // Created by us first so that it, and the -wal and -shm files SQLite gives the same mode, are 0600: keys in clear.
    try {
      closeSync(openSync(file, 'a', 0o600));
    } catch (e) {
      throw new DataFileError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (e as Error).message);
    }
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { timeout: 5000 });
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new DataFileError(file, `SQLite refused WAL mode (journal_mode ${String(mode)})`);
    db.pragma('synchronous = FULL');
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) throw new DataFileError(file, 'it is an SQLite database of another application');
    if (appId === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    return db;
  } catch (e) {
    db?.close();
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(file, sqliteReason(e));
  }
}

/** Open (creating if need be) the database and a store's tables in it. */
export function openStore(location: DataLocation, schema: StoreSchema): Db {
  const db = location === undefined ? new Database(':memory:') : fileConnection(location);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS obf_store (name TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
    const row = db.prepare('SELECT version FROM obf_store WHERE name = ?').get(schema.name) as { version: number } | undefined;
    if (row && row.version !== schema.version) {
      throw new DataFileError(location ?? ':memory:', `its ${schema.name} tables have schema version ${row.version}, this version of obf-conformance reads ${schema.version}`);
    }
    db.transaction(() => {
      db.exec(schema.ddl);
      if (!row) db.prepare('INSERT INTO obf_store (name, version) VALUES (?, ?)').run(schema.name, schema.version);
    })();
    return db;
  } catch (e) {
    db.close();
    if (e instanceof DataFileError || location === undefined) throw e;
    throw new DataFileError(location, sqliteReason(e));
  }
}


/** Start a server over a store: the store closes when the server does, or at once when the server cannot start. */
export async function closingStore<T extends { close(): Promise<void> }>(store: { close(): void }, start: () => Promise<T>): Promise<T> {
  let server: T;
  try {
    server = await start();
  } catch (e) {
    store.close();
    throw e;
  }
  const close = server.close.bind(server);
  return Object.assign(server, {
    close: async () => {
      await close();
      store.close();
    },
  });
}
