/**
 * The reference Application Server's state (draft B.2.2.3): imported keysets per ICCID, key function and key index
 * (B.2.2.3.1), the last uplink counter accepted and the last downlink counter sent per ICCID and key index (the
 * ReplayCheck and TRUST data of B.2.2.3.2 and B.2.2.3.3). Read from a write-through copy in memory; every change is
 * committed to SQLite (../storage/database.ts) before the method returns, so before the HTTP answer that reports
 * it is sent: after a crash no accepted counter is accepted again and no imported key is lost.
 */
import type { KeyAlgorithm, KeySet } from '../../protocol/obf-profile.ts';
import { openStore, type DataLocation, type Db } from '../storage/database.ts';

export type KeyFunction = 'encrypt' | 'decrypt';
export type Direction = 'uplink' | 'downlink';

export interface DeviceRecord {
  keys: { encrypt: Map<number, KeySet>; decrypt: Map<number, KeySet> };
  /** Last counter accepted from the device, per decryption key index. */
  uplinkAccepted: Map<number, bigint>;
  /** Last counter sent to the device, per encryption key index. */
  downlinkSent: Map<number, bigint>;
}

export const emptyDeviceRecord = (): DeviceRecord => ({ keys: { encrypt: new Map(), decrypt: new Map() }, uplinkAccepted: new Map(), downlinkSent: new Map() });

const SCHEMA = {
  name: 'application-server',
  version: 1,
  ddl: `
    CREATE TABLE IF NOT EXISTS as_keys (
      iccid TEXT NOT NULL, key_function TEXT NOT NULL CHECK (key_function IN ('encrypt', 'decrypt')),
      key_index INTEGER NOT NULL, algorithm TEXT NOT NULL, kic BLOB NOT NULL, kid BLOB NOT NULL,
      PRIMARY KEY (iccid, key_function, key_index)) STRICT, WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS as_counters (
      iccid TEXT NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('uplink', 'downlink')),
      key_index INTEGER NOT NULL, counter INTEGER NOT NULL,
      PRIMARY KEY (iccid, direction, key_index)) STRICT, WITHOUT ROWID;`,
};

export class ApplicationServerStore {
  /** ICCID -> keys and counters; the AS reads this, and changes it only through the methods below. */
  readonly devices = new Map<string, DeviceRecord>();
  private readonly putKeyStmt;
  private readonly putCounterStmt;

  private constructor(private readonly db: Db) {
    this.putKeyStmt = db.prepare<[string, string, number, string, Uint8Array, Uint8Array]>(
      'INSERT OR REPLACE INTO as_keys (iccid, key_function, key_index, algorithm, kic, kid) VALUES (?, ?, ?, ?, ?, ?)');
    // A counter row only ever moves forward: MAX() keeps the stored value if a caller ever passed a lower one.
    this.putCounterStmt = db.prepare<[string, string, number, number]>(
      `INSERT INTO as_counters (iccid, direction, key_index, counter) VALUES (?, ?, ?, ?)
       ON CONFLICT (iccid, direction, key_index) DO UPDATE SET counter = max(counter, excluded.counter)`);
    this.load();
  }

  /** In memory when `location` is undefined; otherwise the data file, created if missing. */
  static open(location: DataLocation): ApplicationServerStore {
    return new ApplicationServerStore(openStore(location, SCHEMA));
  }

  private load(): void {
    const keys = this.db.prepare('SELECT iccid, key_function, key_index, algorithm, kic, kid FROM as_keys').all() as
      { iccid: string; key_function: KeyFunction; key_index: number; algorithm: KeyAlgorithm; kic: Buffer; kid: Buffer }[];
    for (const k of keys) this.record(k.iccid).keys[k.key_function].set(k.key_index, { algorithm: k.algorithm, kic: new Uint8Array(k.kic), kid: new Uint8Array(k.kid) });
    const counters = this.db.prepare('SELECT iccid, direction, key_index, counter FROM as_counters').all() as
      { iccid: string; direction: Direction; key_index: number; counter: number }[];
    for (const c of counters) {
      // Counters of an ICCID that never had keys (a faulty AS may check one) do not make it a known device.
      const d = this.devices.get(c.iccid);
      if (d) (c.direction === 'uplink' ? d.uplinkAccepted : d.downlinkSent).set(c.key_index, BigInt(c.counter));
    }
  }

  private record(iccid: string): DeviceRecord {
    let d = this.devices.get(iccid);
    if (!d) {
      d = emptyDeviceRecord();
      this.devices.set(iccid, d);
    }
    return d;
  }

  /** importKey: store (replacing) one keyset; durable on return. */
  putKey(iccid: string, fn: KeyFunction, keyIndex: number, set: KeySet): void {
    this.putKeyStmt.run(iccid, fn, keyIndex, set.algorithm, set.kic, set.kid);
    this.record(iccid).keys[fn].set(keyIndex, { algorithm: set.algorithm, kic: set.kic.slice(), kid: set.kid.slice() });
  }

  /**
   * Record a counter accepted (uplink) or sent (downlink) for `d`, the record of `iccid` (or a scratch record a
   * faulty AS made for an unknown ICCID); durable on return, so the answer built from it may be sent.
   */
  putCounter(iccid: string, d: DeviceRecord, direction: Direction, keyIndex: number, counter: bigint): void {
    this.putCounterStmt.run(iccid, direction, keyIndex, Number(counter));
    (direction === 'uplink' ? d.uplinkAccepted : d.downlinkSent).set(keyIndex, counter);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
