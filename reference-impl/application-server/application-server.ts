/**
 * Reference Application Server logic (draft B.2.2.3): importKey, decryptData, encryptData. Devices are identified
 * by ICCID (B.2.1); keys are kept per device, key index and key function; replay counters per device and key index.
 * Transport-free: http-server.ts puts it on HTTP. Every refusal is an AsError with a code from docs/profile/http-api.md.
 * State (keys, counters) is in key-store.ts: in memory, or durable in a data file.
 */
import { validateIccid, IccidError } from '../../protocol/iccid.ts';
import { readUint, toHex, writeUint } from '../../protocol/hex.ts';
import type { RpaKeysets } from '../../protocol/obf-rpa.ts';
import { KEY_ALGORITHMS, OBF_TAR, keyIdentifierFor, keyLengthsFor, meetsProfileMinimum, profileSpi, type KeyAlgorithm, type KeySet } from '../../protocol/obf-profile.ts';
import { decodeCommandPacket, encodeCommandPacket, type CommandPacket } from '../../protocol/ts-102-225.ts';
import { encodeSpi } from '../../protocol/ts-102-225-coding.ts';
import { checkCounter } from '../../protocol/ts-102-225-counter.ts';
import { DecipherError, ProtocolError, UnsupportedAlgorithmError } from '../../protocol/errors.ts';
import type { FaultSet } from '../faults.ts';
import { HttpError, field, hexField } from '../http-json.ts';
import { ApplicationServerStore, emptyDeviceRecord, type DeviceRecord, type KeyFunction } from './key-store.ts';

export type { KeyFunction };

/** A refusal of the Application Server (docs/profile/http-api.md section 6). */
export class AsError extends HttpError {}

/** An RPA key index of a device: the NAF_Id and B-TID its keysets come from, and when they expire (rpa.ts). */
export interface RpaAssociation {
  nafId: string;
  btid: string;
  /** The key lifetime the Authentication Server gave, ms. */
  expiresAt: number;
}

function keyIndexField(body: Record<string, unknown>): number {
  const i = field<number>(body, 'keyIndex', 'number');
  if (!Number.isInteger(i) || i < 1 || i > 15) throw new AsError(400, 'BAD_REQUEST', `field 'keyIndex' must be an integer 1..15, got ${i}`, 'keyIndex');
  return i;
}

export class ReferenceApplicationServer {
  private readonly devices: Map<string, DeviceRecord>;

  /** RPA associations per ICCID and key index, in memory (their keysets are in the store). */
  private readonly rpa = new Map<string, Map<number, RpaAssociation>>();

  constructor(private readonly faults: FaultSet = new Set(), private readonly store = ApplicationServerStore.open(undefined)) {
    this.devices = store.devices;
  }

  private iccid(body: Record<string, unknown>): string {
    const iccid = field<string>(body, 'iccid', 'string');
    try {
      return validateIccid(iccid);
    } catch (e) {
      if (e instanceof IccidError && !(this.faults.has('as-accept-invalid-iccid') && /^\d{18,20}$/.test(iccid))) {
        throw new AsError(400, 'INVALID_ICCID', e.message, 'iccid');
      }
      return iccid;
    }
  }

  /** The validated ICCID of a request body (for rpa.ts). */
  iccidOf(body: Record<string, unknown>): string {
    return this.iccid(body);
  }

  /**
   * RPA (rpa.ts): both keysets of one association at an RPA key index, durable through the store like imported
   * keys. Counters are not reset: they only move forward per ICCID and key index, on the card as here.
   */
  installRpaKeysets(iccid: string, keyIndex: number, keys: RpaKeysets, association: RpaAssociation): void {
    this.store.putKey(iccid, 'encrypt', keyIndex, keys.downlink);
    this.store.putKey(iccid, 'decrypt', keyIndex, keys.uplink);
    let byIndex = this.rpa.get(iccid);
    if (!byIndex) this.rpa.set(iccid, (byIndex = new Map()));
    byIndex.set(keyIndex, association);
  }

  /** An RPA keyset is used only within the key lifetime of its bootstrap (draft 6.1). */
  private checkLifetime(iccid: string, keyIndex: number): void {
    const a = this.rpa.get(iccid)?.get(keyIndex);
    if (a && Date.now() >= a.expiresAt) throw new AsError(410, 'KEY_EXPIRED', `the RPA keyset at index ${keyIndex} expired at ${new Date(a.expiresAt).toISOString()}; set it up again after a new bootstrap`, 'keyIndex');
  }

  private device(iccid: string): DeviceRecord {
    const d = this.devices.get(iccid);
    if (!d) throw new AsError(404, 'UNKNOWN_DEVICE', `no keys imported for ICCID ${iccid}`, 'iccid');
    return d;
  }

  /** B.2.2.3.1 importKey: ICCID, key, key index, key function. */
  importKey(body: Record<string, unknown>): { status: 'OK' } {
    const iccid = this.iccid(body);
    const keyIndex = keyIndexField(body);
    const fn = field<string>(body, 'keyFunction', 'string');
    if (fn !== 'encrypt' && fn !== 'decrypt') throw new AsError(400, 'BAD_REQUEST', `field 'keyFunction' must be 'encrypt' or 'decrypt', got '${fn.slice(0, 32)}'`, 'keyFunction');
    const algorithm = (field<string>(body, 'algorithm', 'string', true) ?? 'aes') as KeyAlgorithm;
    if (!KEY_ALGORITHMS.includes(algorithm)) throw new AsError(400, 'BAD_REQUEST', `field 'algorithm' must be one of ${KEY_ALGORITHMS.join(', ')}`, 'algorithm');
    const kic = hexField(body, 'kic', 32);
    const kid = hexField(body, 'kid', 32);
    const lengths = keyLengthsFor(algorithm);
    for (const [name, key] of [['kic', kic], ['kid', kid]] as const) {
      if (!lengths.includes(key.length)) throw new AsError(400, 'INVALID_KEY', `${name} for ${algorithm} must be ${lengths.join(' or ')} bytes, got ${key.length}`, name);
    }
    const set = { algorithm, kic, kid };
    if (this.faults.has('as-shared-direction-keys')) {
      this.store.putKey(iccid, 'encrypt', keyIndex, set);
      this.store.putKey(iccid, 'decrypt', keyIndex, set);
    } else {
      this.store.putKey(iccid, fn, keyIndex, set);
    }
    return { status: 'OK' };
  }

  /** B.2.2.3.2 decryptData: encrypted data, ICCID, key index -> decrypted data, or a refusal. */
  decryptData(body: Record<string, unknown>): { data: string; counter: string } {
    const iccid = this.iccid(body);
    const keyIndex = keyIndexField(body);
    const bytes = hexField(body, 'packet', 4096);
    const known = this.devices.get(iccid);
    const d = known ?? (this.faults.has('as-accept-wrong-iccid') ? emptyDeviceRecord() : this.device(iccid));
    let packet: CommandPacket;
    try {
      packet = decodeCommandPacket(bytes);
    } catch (e) {
      throw packetError(e);
    }
    const index = this.faults.has('as-ignore-key-index') ? packet.kic.keyIndex : keyIndex;
    if (packet.kic.keyIndex !== index || packet.kid.keyIndex !== index) {
      throw new AsError(400, 'KEY_INDEX_MISMATCH', `the packet names key index ${packet.kic.keyIndex} (KIc) / ${packet.kid.keyIndex} (KID), the request ${keyIndex}`, 'keyIndex');
    }
    const keys = d.keys.decrypt.get(index);
    if (keys) this.checkLifetime(iccid, index);
    if (!keys && !this.faults.has('as-accept-wrong-iccid')) throw new AsError(404, 'UNKNOWN_KEY', `no decryption key at index ${index} for ICCID ${iccid}`, 'keyIndex');
    if (!meetsProfileMinimum(packet.spi, 'up') && !this.faults.has('as-accept-low-security')) {
      throw new AsError(422, 'INSUFFICIENT_SECURITY', `SPI ${toHex(packet.spi.raw)} is below the profile minimum (CC, ciphered, counter checked)`);
    }
    let opened = keys ? this.open(bytes, packet, keys, index) : null;
    if (!opened && this.faults.has('as-accept-wrong-iccid')) {
      for (const other of this.devices.values()) {
        const k = other.keys.decrypt.get(index);
        if (k && other !== d) opened = this.open(bytes, packet, k, index) ?? opened;
      }
    }
    const rpaIndexes = this.rpa.get(iccid);
    if (!opened && rpaIndexes?.has(index) && this.faults.has('as-rpa-any-naf-keyset')) {
      // The faulty server tries the device's other RPA keysets (other NAF_Ids) as if they were this one.
      for (const other of rpaIndexes.keys()) {
        const k = d.keys.decrypt.get(other);
        if (k && other !== index) opened = this.open(bytes, packet, k, index) ?? opened;
      }
    }
    if (!opened) throw new AsError(422, 'INTEGRITY_FAILED', 'the CC does not verify with this device\'s key (or deciphering failed)');
    const counter = readUint(opened.cntr!);
    if (!this.faults.has('as-skip-replay-check')) {
      const verdict = checkCounter(opened.spi.counter, counter, d.uplinkAccepted.get(index) ?? 0n);
      if (verdict !== 'accept') {
        const code = verdict === 'low' ? 'REPLAY' : verdict === 'high' ? 'COUNTER_HIGH' : 'COUNTER_BLOCKED';
        throw new AsError(409, code, `counter ${toHex(opened.cntr!)} refused (${verdict}); last accepted ${toHex(writeUint(d.uplinkAccepted.get(index) ?? 0n, 5))}`);
      }
    }
    // Durable before the answer: a crash after this line cannot make the server accept this packet again.
    if (counter > (d.uplinkAccepted.get(index) ?? 0n)) this.store.putCounter(iccid, d, 'uplink', index, counter);
    return { data: toHex(opened.data!), counter: toHex(opened.cntr!) };
  }

  /** Decipher and verify with one keyset; `header` is the packet already decoded without keys. */
  private open(bytes: Uint8Array, header: CommandPacket, keys: KeySet, index: number): CommandPacket | null {
    if (this.faults.has('as-accept-low-security') && header.spi.integrity !== 'CC') {
      const p = decodeCommandPacket(bytes, { kic: keys.kic });
      return p.data && p.verified !== false ? p : null;
    }
    // The packet must name the keyset's algorithm in KIc and, for a CC, in KID (profile: KIc = KID byte).
    const expectedId = keyIdentifierFor(keys.algorithm, index);
    if (expectedId !== header.kic.raw || (header.spi.integrity === 'CC' && expectedId !== header.kid.raw)) return null;
    try {
      const p = decodeCommandPacket(bytes, { kic: keys.kic, kid: keys.kid });
      if (p.verified === true || (p.verified === false && this.faults.has('as-ignore-integrity'))) return p;
      return null;
    } catch (e) {
      if (e instanceof DecipherError) return null;
      throw packetError(e);
    }
  }

  /** B.2.2.3.3 encryptData: command data, ICCID, key index, ReplayCheck -> secured packet. */
  encryptData(body: Record<string, unknown>): { packet: string } {
    const iccid = this.iccid(body);
    const keyIndex = keyIndexField(body);
    const data = hexField(body, 'data', 200);
    if (data.length === 0) throw new AsError(400, 'BAD_REQUEST', "field 'data' must not be empty", 'data');
    const replayCheck = field<boolean>(body, 'replayCheck', 'boolean', true) ?? true;
    const d = this.device(iccid);
    const keys = d.keys.encrypt.get(keyIndex);
    if (!keys) throw new AsError(404, 'UNKNOWN_KEY', `no encryption key at index ${keyIndex} for ICCID ${iccid}`, 'keyIndex');
    this.checkLifetime(iccid, keyIndex);
    const previous = d.downlinkSent.get(keyIndex) ?? 0n;
    const counter = this.faults.has('as-reuse-counter') && !replayCheck ? previous : previous + 1n;
    this.store.putCounter(iccid, d, 'downlink', keyIndex, counter);
    const id = keyIdentifierFor(keys.algorithm, keyIndex);
    const spi = this.faults.has('as-no-ciphering')
      ? encodeSpi({ integrity: 'CC', ciphered: false, counter: replayCheck ? 'higher' : 'no-check' })
      : profileSpi(replayCheck);
    const packet = encodeCommandPacket({ spi, kic: id, kid: id, tar: OBF_TAR, cntr: writeUint(counter, 5), data, keys: { kic: keys.kic, kid: keys.kid } });
    return { packet: toHex(packet) };
  }
}

function packetError(e: unknown): AsError {
  if (e instanceof UnsupportedAlgorithmError) return new AsError(422, 'UNSUPPORTED_ALGORITHM', e.message, 'packet');
  if (e instanceof ProtocolError) return new AsError(400, 'MALFORMED_PACKET', e.message, 'packet');
  throw e;
}
