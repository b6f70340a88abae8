/**
 * The reference Authentication Server's state (draft 6.4.2 RPB, RPO; TS 33.220 4.5.2): subscribers with K, OPc and
 * SQN_HE, the bootstraps (B-TID, RAND, Ks, end of key lifetime; one per IMPI), and the registered Application
 * Servers (NAF_Id and the SHA-256 digest of their RPO token). Read from a write-through copy in memory; every
 * change is committed to SQLite (../storage/database.ts) before the method returns, so SQN_HE is on disk before
 * the challenge that uses it is sent (TS 33.102 6.3.2: the network never reuses a SQN) and a B-TID before it is
 * handed out. Challenges waiting for their answer (rpb.ts) are not kept: after a restart the client gets a fresh one.
 */
import { openStore, type DataLocation, type Db } from '../storage/database.ts';
import type { Bootstrap, Subscriber } from './authentication-server.ts';

const SCHEMA = {
  name: 'authentication-server',
  version: 1,
  ddl: `
    CREATE TABLE IF NOT EXISTS auth_subscribers (
      impi TEXT PRIMARY KEY, iccid TEXT NOT NULL, k BLOB NOT NULL, opc BLOB NOT NULL, sqn_he BLOB NOT NULL) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS auth_bootstraps (
      btid TEXT PRIMARY KEY, impi TEXT NOT NULL UNIQUE, iccid TEXT NOT NULL, rand BLOB NOT NULL, ks BLOB NOT NULL,
      expires_at INTEGER NOT NULL) STRICT;
    CREATE TABLE IF NOT EXISTS auth_nafs (naf_id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE) STRICT, WITHOUT ROWID;`,
};

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b);

export class BootstrapStore {
  readonly subscribers = new Map<string, Subscriber>();
  /** B-TID -> bootstrap, in the order they were made (RPO's faulty fallback takes the latest). */
  readonly bootstraps = new Map<string, Bootstrap>();
  readonly btidOfImpi = new Map<string, string>();
  /** SHA-256(token) -> NAF_Id (upper-case hex), and back. */
  readonly nafOfToken = new Map<string, string>();
  readonly tokenOfNaf = new Map<string, string>();
  private readonly stmt;

  private constructor(private readonly db: Db) {
    this.stmt = {
      subscriber: db.prepare<[string, string, Uint8Array, Uint8Array, Uint8Array]>('INSERT INTO auth_subscribers (impi, iccid, k, opc, sqn_he) VALUES (?, ?, ?, ?, ?)'),
      sqn: db.prepare<[Uint8Array, string]>('UPDATE auth_subscribers SET sqn_he = ? WHERE impi = ?'),
      dropBootstrap: db.prepare<[string]>('DELETE FROM auth_bootstraps WHERE impi = ?'),
      bootstrap: db.prepare<[string, string, string, Uint8Array, Uint8Array, number]>('INSERT INTO auth_bootstraps (btid, impi, iccid, rand, ks, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      naf: db.prepare<[string, string]>('INSERT OR REPLACE INTO auth_nafs (naf_id, token_sha256) VALUES (?, ?)'),
    };
    this.load();
  }

  static open(location: DataLocation): BootstrapStore {
    return new BootstrapStore(openStore(location, SCHEMA));
  }

  private load(): void {
    for (const s of this.db.prepare('SELECT impi, iccid, k, opc, sqn_he FROM auth_subscribers').all() as { impi: string; iccid: string; k: Buffer; opc: Buffer; sqn_he: Buffer }[]) {
      this.subscribers.set(s.impi, { impi: s.impi, iccid: s.iccid, keys: { k: bytes(s.k), opc: bytes(s.opc) }, sqnHe: bytes(s.sqn_he) });
    }
    for (const b of this.db.prepare('SELECT btid, impi, iccid, rand, ks, expires_at FROM auth_bootstraps ORDER BY rowid').all() as { btid: string; impi: string; iccid: string; rand: Buffer; ks: Buffer; expires_at: number }[]) {
      this.bootstraps.set(b.btid, { btid: b.btid, impi: b.impi, iccid: b.iccid, rand: bytes(b.rand), ks: bytes(b.ks), expiresAt: b.expires_at });
      this.btidOfImpi.set(b.impi, b.btid);
    }
    for (const n of this.db.prepare('SELECT naf_id, token_sha256 FROM auth_nafs').all() as { naf_id: string; token_sha256: string }[]) {
      this.nafOfToken.set(n.token_sha256, n.naf_id);
      this.tokenOfNaf.set(n.naf_id, n.token_sha256);
    }
  }

  putSubscriber(sub: Subscriber): void {
    this.stmt.subscriber.run(sub.impi, sub.iccid, sub.keys.k, sub.keys.opc, sub.sqnHe);
    this.subscribers.set(sub.impi, sub);
  }

  /** SQN_HE of a subscriber: durable before the vector made with it leaves the server. */
  putSqn(sub: Subscriber, sqn: Uint8Array): void {
    this.stmt.sqn.run(sqn, sub.impi);
    sub.sqnHe = sqn;
  }

  /** A new bootstrap replaces the subscriber's previous one (TS 33.220 4.5.2), in one transaction. */
  putBootstrap(b: Bootstrap): void {
    this.db.transaction(() => {
      this.stmt.dropBootstrap.run(b.impi);
      this.stmt.bootstrap.run(b.btid, b.impi, b.iccid, b.rand, b.ks, b.expiresAt);
    })();
    const old = this.btidOfImpi.get(b.impi);
    if (old !== undefined) this.bootstraps.delete(old);
    this.bootstraps.set(b.btid, b);
    this.btidOfImpi.set(b.impi, b.btid);
  }

  /** Register or re-key an Application Server: its previous token stops working. */
  putNaf(nafId: string, digest: string): void {
    this.stmt.naf.run(nafId, digest);
    const previous = this.tokenOfNaf.get(nafId);
    if (previous !== undefined) this.nafOfToken.delete(previous);
    this.nafOfToken.set(digest, nafId);
    this.tokenOfNaf.set(nafId, digest);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
