/**
 * The reference Authentication Server's state (draft 6.4.2 RPB, RPO; TS 33.220 4.5.2): subscribers with K, OPc and
 * SQN_HE, the bootstraps (B-TID, RAND, Ks, end of key lifetime; one per IMPI), and the registered Application
 * Servers (NAF_Id and the SHA-256 digest of their RPO token). Read from a write-through copy in memory; every
 * change is committed to SQLite (../storage/database.ts) before the method returns, so SQN_HE is on disk before
 * the challenge that uses it is sent (TS 33.102 6.3.2: the network never reuses a SQN) and a B-TID before it is
 * handed out. Challenges waiting for their answer (rpb.ts) are not kept: after a restart the client gets a fresh one.
 * Several Authentication Servers may share a data file (the reference deployment's providers), each under its realm.
 * The provider transfer of 6.4.3 a adds, per subscriber, the SE's X25519 public key and the transfer sequence number
 * (auth_transfer), and the partners' public keys (auth_partners): additive tables, so older files still open.
 */
import { openStore, type DataLocation, type Db } from '../storage/database.ts';
import type { Bootstrap, Subscriber } from './authentication-server.ts';

const SCHEMA = {
  name: 'authentication-server',
  version: 1,
  ddl: `
    CREATE TABLE IF NOT EXISTS auth_subscribers (
      realm TEXT NOT NULL, impi TEXT NOT NULL, iccid TEXT NOT NULL, k BLOB NOT NULL, opc BLOB NOT NULL, sqn_he BLOB NOT NULL,
      transferred_at INTEGER, PRIMARY KEY (realm, impi)) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS auth_bootstraps (
      realm TEXT NOT NULL, btid TEXT NOT NULL, impi TEXT NOT NULL, iccid TEXT NOT NULL, rand BLOB NOT NULL, ks BLOB NOT NULL,
      expires_at INTEGER NOT NULL, UNIQUE (realm, btid), UNIQUE (realm, impi)) STRICT;
    CREATE TABLE IF NOT EXISTS auth_nafs (
      realm TEXT NOT NULL, naf_id TEXT NOT NULL, token_sha256 TEXT NOT NULL,
      PRIMARY KEY (realm, naf_id), UNIQUE (realm, token_sha256)) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS auth_transfer (
      realm TEXT NOT NULL, impi TEXT NOT NULL, se_public_key BLOB, transfer_sequence INTEGER NOT NULL,
      PRIMARY KEY (realm, impi)) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS auth_partners (
      realm TEXT NOT NULL, provider_id TEXT NOT NULL, signing_key BLOB NOT NULL, key_agreement_key BLOB NOT NULL,
      PRIMARY KEY (realm, provider_id)) STRICT, WITHOUT ROWID;`,
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
  /** Provider transfer partners (6.4.3 a): id -> public keys. */
  readonly partners = new Map<string, { signingKey: Uint8Array; keyAgreementKey: Uint8Array }>();
  private readonly stmt;

  private constructor(private readonly db: Db, private readonly realm: string) {
    this.stmt = {
      subscriber: db.prepare<[string, string, string, Uint8Array, Uint8Array, Uint8Array]>('INSERT INTO auth_subscribers (realm, impi, iccid, k, opc, sqn_he) VALUES (?, ?, ?, ?, ?, ?)'),
      sqn: db.prepare<[Uint8Array, string, string]>('UPDATE auth_subscribers SET sqn_he = ? WHERE realm = ? AND impi = ?'),
      transferred: db.prepare<[number, string, string]>('UPDATE auth_subscribers SET transferred_at = ? WHERE realm = ? AND impi = ?'),
      dropBootstrap: db.prepare<[string, string]>('DELETE FROM auth_bootstraps WHERE realm = ? AND impi = ?'),
      bootstrap: db.prepare<[string, string, string, string, Uint8Array, Uint8Array, number]>('INSERT INTO auth_bootstraps (realm, btid, impi, iccid, rand, ks, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      naf: db.prepare<[string, string, string]>('INSERT OR REPLACE INTO auth_nafs (realm, naf_id, token_sha256) VALUES (?, ?, ?)'),
      transfer: db.prepare<[string, string, Uint8Array | null, number]>('INSERT OR REPLACE INTO auth_transfer (realm, impi, se_public_key, transfer_sequence) VALUES (?, ?, ?, ?)'),
      dropSubscriber: db.prepare<[string, string]>('DELETE FROM auth_subscribers WHERE realm = ? AND impi = ?'),
      dropTransfer: db.prepare<[string, string]>('DELETE FROM auth_transfer WHERE realm = ? AND impi = ?'),
      partner: db.prepare<[string, string, Uint8Array, Uint8Array]>('INSERT OR REPLACE INTO auth_partners (realm, provider_id, signing_key, key_agreement_key) VALUES (?, ?, ?, ?)'),
    };
    this.load();
  }

  /** `realm`: the server's Digest realm, its scope in a shared data file. */
  static open(location: DataLocation, realm: string): BootstrapStore {
    return new BootstrapStore(openStore(location, SCHEMA), realm);
  }

  private load(): void {
    const r = this.realm;
    for (const s of this.db.prepare('SELECT impi, iccid, k, opc, sqn_he, transferred_at FROM auth_subscribers WHERE realm = ?').all(r) as { impi: string; iccid: string; k: Buffer; opc: Buffer; sqn_he: Buffer; transferred_at: number | null }[]) {
      this.subscribers.set(s.impi, { impi: s.impi, iccid: s.iccid, keys: { k: bytes(s.k), opc: bytes(s.opc) }, sqnHe: bytes(s.sqn_he), ...(s.transferred_at !== null ? { transferredAt: s.transferred_at } : {}) });
    }
    for (const b of this.db.prepare('SELECT btid, impi, iccid, rand, ks, expires_at FROM auth_bootstraps WHERE realm = ? ORDER BY rowid').all(r) as { btid: string; impi: string; iccid: string; rand: Buffer; ks: Buffer; expires_at: number }[]) {
      this.bootstraps.set(b.btid, { btid: b.btid, impi: b.impi, iccid: b.iccid, rand: bytes(b.rand), ks: bytes(b.ks), expiresAt: b.expires_at });
      this.btidOfImpi.set(b.impi, b.btid);
    }
    for (const t of this.db.prepare('SELECT impi, se_public_key, transfer_sequence FROM auth_transfer WHERE realm = ?').all(r) as { impi: string; se_public_key: Buffer | null; transfer_sequence: number }[]) {
      const sub = this.subscribers.get(t.impi);
      if (sub) Object.assign(sub, { transferSequence: t.transfer_sequence, ...(t.se_public_key ? { sePublicKey: bytes(t.se_public_key) } : {}) });
    }
    for (const p of this.db.prepare('SELECT provider_id, signing_key, key_agreement_key FROM auth_partners WHERE realm = ?').all(r) as { provider_id: string; signing_key: Buffer; key_agreement_key: Buffer }[]) {
      this.partners.set(p.provider_id, { signingKey: bytes(p.signing_key), keyAgreementKey: bytes(p.key_agreement_key) });
    }
    for (const n of this.db.prepare('SELECT naf_id, token_sha256 FROM auth_nafs WHERE realm = ?').all(r) as { naf_id: string; token_sha256: string }[]) {
      this.nafOfToken.set(n.token_sha256, n.naf_id);
      this.tokenOfNaf.set(n.naf_id, n.token_sha256);
    }
  }

  putSubscriber(sub: Subscriber): void {
    this.db.transaction(() => {
      this.stmt.subscriber.run(this.realm, sub.impi, sub.iccid, sub.keys.k, sub.keys.opc, sub.sqnHe);
      if (sub.sePublicKey || sub.transferSequence) this.stmt.transfer.run(this.realm, sub.impi, sub.sePublicKey ?? null, sub.transferSequence ?? 0);
    })();
    this.subscribers.set(sub.impi, sub);
  }

  /**
   * 6.4.3 a, as provider B: the subscription taken over from a transfer statement replaces the device's earlier
   * one here (a device coming back), with its bootstrap, in one transaction.
   */
  replaceSubscriber(previous: Subscriber | undefined, sub: Subscriber): void {
    this.db.transaction(() => {
      if (previous) {
        this.stmt.dropSubscriber.run(this.realm, previous.impi);
        this.stmt.dropTransfer.run(this.realm, previous.impi);
        this.stmt.dropBootstrap.run(this.realm, previous.impi);
      }
      this.stmt.subscriber.run(this.realm, sub.impi, sub.iccid, sub.keys.k, sub.keys.opc, sub.sqnHe);
      this.stmt.transfer.run(this.realm, sub.impi, sub.sePublicKey ?? null, sub.transferSequence ?? 0);
    })();
    if (previous) {
      this.subscribers.delete(previous.impi);
      const btid = this.btidOfImpi.get(previous.impi);
      if (btid !== undefined) this.bootstraps.delete(btid);
      this.btidOfImpi.delete(previous.impi);
    }
    this.subscribers.set(sub.impi, sub);
  }

  /** 6.4.3 a: a business agreement with another provider (its public keys), replacing an earlier one. */
  putPartner(providerId: string, keys: { signingKey: Uint8Array; keyAgreementKey: Uint8Array }): void {
    this.stmt.partner.run(this.realm, providerId, keys.signingKey, keys.keyAgreementKey);
    this.partners.set(providerId, keys);
  }

  /** SQN_HE of a subscriber: durable before the vector made with it leaves the server. */
  putSqn(sub: Subscriber, sqn: Uint8Array): void {
    this.stmt.sqn.run(sqn, this.realm, sub.impi);
    sub.sqnHe = sqn;
  }

  /** The subscription moved to another provider (6.3.1 c): durable before the transfer is acknowledged. */
  putTransferred(sub: Subscriber, at: number, transferSequence?: number): void {
    this.db.transaction(() => {
      this.stmt.transferred.run(at, this.realm, sub.impi);
      // 6.4.3 a: the sequence number of the statement signed for this transfer, with the mark.
      if (transferSequence !== undefined) this.stmt.transfer.run(this.realm, sub.impi, sub.sePublicKey ?? null, transferSequence);
    })();
    sub.transferredAt = at;
    if (transferSequence !== undefined) sub.transferSequence = transferSequence;
  }

  /** A new bootstrap replaces the subscriber's previous one (TS 33.220 4.5.2), in one transaction. */
  putBootstrap(b: Bootstrap): void {
    this.db.transaction(() => {
      this.stmt.dropBootstrap.run(this.realm, b.impi);
      this.stmt.bootstrap.run(this.realm, b.btid, b.impi, b.iccid, b.rand, b.ks, b.expiresAt);
    })();
    const old = this.btidOfImpi.get(b.impi);
    if (old !== undefined) this.bootstraps.delete(old);
    this.bootstraps.set(b.btid, b);
    this.btidOfImpi.set(b.impi, b.btid);
  }

  /** Register or re-key an Application Server: its previous token stops working. */
  putNaf(nafId: string, digest: string): void {
    this.stmt.naf.run(this.realm, nafId, digest);
    const previous = this.tokenOfNaf.get(nafId);
    if (previous !== undefined) this.nafOfToken.delete(previous);
    this.nafOfToken.set(digest, nafId);
    this.tokenOfNaf.set(nafId, digest);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
