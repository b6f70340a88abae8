/**
 * The reference Resource Server's state (draft 6.1; 6.3.1 e, f, h; 6.4.2 RPR): per device (ICCID) and Application
 * Server (NAF_Id), the data classes granted and where to notify a subscription change. Read from a write-through
 * copy in memory; every grant, revocation and move is committed to SQLite (../storage/database.ts) before the
 * method returns, so a revocation acknowledged is never undone by a restart. Several Resource Servers may share a
 * data file, each under its own scope (the reference deployment's providers use their realm).
 */
import { openStore, type DataLocation, type Db } from '../storage/database.ts';

export interface Grant {
  dataClasses: string[];
  notifyUrl?: string;
}

const SCHEMA = {
  name: 'resource-server',
  version: 1,
  ddl: `CREATE TABLE IF NOT EXISTS rs_grants (
      scope TEXT NOT NULL, iccid TEXT NOT NULL, naf_id TEXT NOT NULL, data_classes TEXT NOT NULL, notify_url TEXT,
      PRIMARY KEY (scope, iccid, naf_id)) STRICT, WITHOUT ROWID;`,
};

export class RightsStore {
  /** "<iccid>/<nafId>" -> grant. */
  readonly grants = new Map<string, Grant>();
  private readonly putStmt;
  private readonly dropStmt;

  private constructor(private readonly db: Db, private readonly scope: string) {
    this.putStmt = db.prepare<[string, string, string, string, string | null]>('INSERT OR REPLACE INTO rs_grants (scope, iccid, naf_id, data_classes, notify_url) VALUES (?, ?, ?, ?, ?)');
    this.dropStmt = db.prepare<[string, string, string]>('DELETE FROM rs_grants WHERE scope = ? AND iccid = ? AND naf_id = ?');
    const rows = db.prepare('SELECT iccid, naf_id, data_classes, notify_url FROM rs_grants WHERE scope = ?').all(scope) as { iccid: string; naf_id: string; data_classes: string; notify_url: string | null }[];
    for (const g of rows) {
      this.grants.set(RightsStore.key(g.iccid, g.naf_id), { dataClasses: JSON.parse(g.data_classes) as string[], ...(g.notify_url !== null ? { notifyUrl: g.notify_url } : {}) });
    }
  }

  static open(location: DataLocation, scope = ''): RightsStore {
    return new RightsStore(openStore(location, SCHEMA), scope);
  }

  static key(iccid: string, nafId: string): string {
    return `${iccid}/${nafId}`;
  }

  put(iccid: string, nafId: string, grant: Grant): void {
    this.putStmt.run(this.scope, iccid, nafId, JSON.stringify(grant.dataClasses), grant.notifyUrl ?? null);
    this.grants.set(RightsStore.key(iccid, nafId), grant);
  }

  drop(iccid: string, nafId: string): void {
    this.dropStmt.run(this.scope, iccid, nafId);
    this.grants.delete(RightsStore.key(iccid, nafId));
  }

  /** A subscription change (6.3.1 e): the rights of these NAFs move from one ICCID to another, in one transaction. */
  move(iccid: string, newIccid: string, nafIds: string[]): void {
    const moved = nafIds.flatMap((nafId) => {
      const g = this.grants.get(RightsStore.key(iccid, nafId));
      return g ? [[nafId, g] as const] : [];
    });
    this.db.transaction(() => {
      for (const [nafId, g] of moved) {
        this.dropStmt.run(this.scope, iccid, nafId);
        this.putStmt.run(this.scope, newIccid, nafId, JSON.stringify(g.dataClasses), g.notifyUrl ?? null);
      }
    })();
    for (const [nafId, g] of moved) {
      this.grants.delete(RightsStore.key(iccid, nafId));
      this.grants.set(RightsStore.key(newIccid, nafId), g);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
