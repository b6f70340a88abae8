/**
 * GBA on the reference card (GBA_U, TS 33.220 clause 5 and Annex G; TS 31.102 AUTHENTICATE in GBA security context):
 * the card runs UMTS AKA on its own K and OPc, keeps Ks = CK || IK and the RAND of the last successful bootstrap
 * (Ks never leaves the card), keeps SQN_MS (the highest SQN accepted, 0 when personalised), answers NAF derivation
 * with Ks_ext_NAF, and holds EF_GBABP. All of it is non-volatile: a reset does not clear it.
 * Byte layouts and status words: docs/profile/apdus.md section 9.
 */
import { SW, type CommandApdu } from '../../protocol/iso-7816.ts';
import { GBA, decodeGbaCommand, encodeGbabp, encodeGbaResponse } from '../../protocol/ts-31-102-gba.ts';
import { cardAuthenticate, type CardAkaResult, type SubscriberKeys } from '../../protocol/ts-33-102-aka.ts';
import { milenage } from '../../protocol/milenage.ts';
import { deriveNafKey } from '../../protocol/ts-33-220.ts';
import { deriveRpaKeysets, type RpaKeysets } from '../../protocol/obf-rpa.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { concatBytes, fromHex, readUint, toHex } from '../../protocol/hex.ts';
import type { FaultSet } from '../faults.ts';
import { ApduError } from './apdu-error.ts';
import type { GbaMemory } from './card-memory.ts';

export interface GbaPersonalisation {
  /** Subscriber key K (16 bytes). */
  k: Uint8Array;
  /** OPc (16 bytes, TS 35.206). */
  opc: Uint8Array;
  /** The card's private identity; NAF derivation refuses any other. */
  impi: string;
}

/** Allocated size of EF_GBABP on the reference card; unused bytes are FF. */
export const EF_GBABP_SIZE = 128;

/** ISO/IEC 7816-4 6985, conditions of use not satisfied (the profile's SW table names it after its replay use). */
const CONDITIONS_NOT_SATISFIED = SW.COUNTER_LOW;

const EMPTY = new Uint8Array(0);

export class ReferenceGba {
  private keys: SubscriberKeys;
  private impi: string;
  private sqnMs: Uint8Array = new Uint8Array(6);
  /** Ks and the RAND it came from, after a successful bootstrap. */
  private bootstrapped: { ks: Uint8Array; rand: Uint8Array } | null = null;
  private gbabp: Uint8Array = encodeGbabp({ rand: EMPTY, bTid: '', keyLifetime: '' }, EF_GBABP_SIZE);
  /** RPA keysets by key index, derived from Ks_int_NAF of the current Ks (apdus.md 10); a new bootstrap erases them. */
  private readonly rpa = new Map<number, RpaKeysets>();

  constructor(perso: GbaPersonalisation, private readonly faults: FaultSet = new Set()) {
    if (perso.k?.length !== 16) throw new RangeError(`GBA personalisation: K must be 16 bytes, got ${perso.k?.length ?? 0}`);
    if (perso.opc?.length !== 16) throw new RangeError(`GBA personalisation: OPc must be 16 bytes, got ${perso.opc?.length ?? 0}`);
    if (typeof perso.impi !== 'string' || perso.impi.length === 0) throw new RangeError('GBA personalisation: IMPI must not be empty');
    this.keys = { k: perso.k.slice(), opc: perso.opc.slice() };
    this.impi = perso.impi;
  }

  /**
   * A provider transfer (draft 6.4.3 a, provider-transfer.ts) replaces the subscription: new K, OPc and IMPI, SQN
   * back to zero, and the old Ks with its B-TID and the RPA keysets derived from it gone, so nothing of the old
   * provider's keys stays usable.
   */
  resubscribe(next: GbaPersonalisation): void {
    this.keys = { k: next.k.slice(), opc: next.opc.slice() };
    this.impi = next.impi;
    this.sqnMs = new Uint8Array(6);
    this.bootstrapped = null;
    this.rpa.clear();
    this.gbabp = encodeGbabp({ rand: EMPTY, bTid: '', keyLifetime: '' }, EF_GBABP_SIZE);
  }

  /** AUTHENTICATE 00 88 00 84 in either mode. Returns the response data (answered with 9000) or throws ApduError. */
  authenticate(c: CommandApdu): Uint8Array {
    if (c.p1 !== GBA.P1 || c.p2 !== GBA.P2_GBA_CONTEXT) throw new ApduError(SW.WRONG_P1P2, 'AUTHENTICATE: only P1 00 with P2 84 (GBA security context) is supported');
    if (c.data.length === 0) throw new ApduError(SW.WRONG_LENGTH, 'AUTHENTICATE without data');
    let command;
    try {
      command = decodeGbaCommand(c.data);
    } catch (e) {
      if (e instanceof ProtocolError) throw new ApduError(SW.MALFORMED, e.message);
      throw e;
    }
    return command.mode === 'bootstrap' ? this.bootstrap(command.rand, command.autn) : this.nafDerivation(command.nafId, command.impi);
  }

  /** The GBA state a card keeps across power cycles (card-memory.ts). */
  memory(): GbaMemory {
    return { sqnMs: toHex(this.sqnMs), bootstrapped: this.bootstrapped && { ks: toHex(this.bootstrapped.ks), rand: toHex(this.bootstrapped.rand) }, gbabp: toHex(this.gbabp) };
  }

  /** Back from the card's memory file. */
  restore(m: GbaMemory): void {
    if (m.sqnMs?.length !== 12 || m.gbabp?.length !== EF_GBABP_SIZE * 2) throw new RangeError('SQN_MS or EF_GBABP has the wrong size');
    this.sqnMs = fromHex(m.sqnMs);
    this.bootstrapped = m.bootstrapped && { ks: fromHex(m.bootstrapped.ks), rand: fromHex(m.bootstrapped.rand) };
    this.gbabp = fromHex(m.gbabp);
  }

  /** EF_GBABP as READ BINARY sees it (a copy). */
  efGbabp(): Uint8Array {
    return this.gbabp.slice();
  }

  /** UPDATE BINARY on EF_GBABP: the terminal stores B-TID and key lifetime (TS 33.220 G.1). Content is not checked. */
  updateGbabp(offset: number, data: Uint8Array): void {
    if (offset > this.gbabp.length) throw new ApduError(SW.WRONG_P1P2, 'offset beyond EF_GBABP');
    if (data.length === 0) throw new ApduError(SW.WRONG_LENGTH, 'UPDATE BINARY without data');
    if (offset + data.length > this.gbabp.length) throw new ApduError(SW.WRONG_LENGTH, `${data.length} bytes at offset ${offset} run past the ${this.gbabp.length}-byte file`);
    this.gbabp.set(data, offset);
  }

  /** TS 33.220 G.1: run AKA; on success keep Ks and RAND, reset EF_GBABP to the new RAND, answer RES. */
  private bootstrap(rand: Uint8Array, autn: Uint8Array): Uint8Array {
    let result = cardAuthenticate(this.keys, rand, autn, this.sqnMs);
    if (result.kind === 'mac-failure' && this.faults.has('se-ignore-autn-mac')) {
      // The faulty card treats MAC-A as if it had verified: the same check with the MAC it expected.
      const sqn = this.recoverSqn(rand, autn);
      const expectedMac = milenage(this.keys.k, this.keys.opc, rand, sqn, autn.slice(6, 8)).macA;
      result = cardAuthenticate(this.keys, rand, concatBytes(autn.slice(0, 8), expectedMac), this.sqnMs);
    }
    if (result.kind === 'sync-failure' && this.faults.has('se-accept-stale-sqn')) result = this.acceptStale(rand, autn);
    if (result.kind === 'mac-failure') throw new ApduError(SW.AUTH_MAC_FAILURE, 'AUTN: MAC-A does not verify');
    if (result.kind === 'sync-failure') return encodeGbaResponse({ kind: 'sync-failure', auts: result.auts });
    if (readUint(result.sqn) > readUint(this.sqnMs)) this.sqnMs = result.sqn;
    // A new bootstrap replaces Ks, RAND, B-TID and key lifetime (G.1): the terminal writes the last two again.
    this.bootstrapped = { ks: concatBytes(result.ck, result.ik), rand: rand.slice() };
    // se-gbabp-stale: the faulty card leaves EF_GBABP as it was, so the terminal reads the previous RAND.
    if (!this.faults.has('se-gbabp-stale')) this.gbabp = encodeGbabp({ rand, bTid: '', keyLifetime: '' }, EF_GBABP_SIZE);
    // Keysets derived from the replaced Ks must stop working (profile: apdus.md 10); the fault keeps them.
    if (!this.faults.has('se-rpa-keyset-kept')) this.rpa.clear();
    return encodeGbaResponse({ kind: 'success', value: result.res });
  }

  /** TS 33.220 G.2: Ks_ext_NAF from the stored Ks and RAND, for the card's own IMPI. */
  private nafDerivation(nafId: Uint8Array, impi: string): Uint8Array {
    if (!this.bootstrapped) throw new ApduError(CONDITIONS_NOT_SATISFIED, 'NAF derivation before any GBA bootstrap');
    if (impi !== this.impi) throw new ApduError(SW.MALFORMED, 'IMPI is not the card\'s');
    const { ks, rand } = this.bootstrapped;
    // se-naf-id-ignored: one key for every Application Server, so one of them could read another's traffic.
    const usedNafId = this.faults.has('se-naf-id-ignored') ? Uint8Array.of(0x00) : nafId;
    const key = this.faults.has('se-export-ks') ? ks.slice() : deriveNafKey(ks, rand, impi, usedNafId, 'gba-me');
    return encodeGbaResponse({ kind: 'success', value: key });
  }

  /**
   * INSTALL RPA KEYSET (apdus.md 10): Ks_int_NAF = KDF(Ks, "gba-u", RAND, IMPI, NAF_Id) (TS 33.220 Annex B; GBA_U
   * keeps it on the card), the two packet keysets derived from it, kept at `keyIndex`. Returns what the card answers:
   * nothing, unless the fault se-rpa-key-exposed makes it answer Ks_int_NAF.
   */
  installRpaKeyset(keyIndex: number, nafId: Uint8Array): Uint8Array {
    if (!this.bootstrapped) throw new ApduError(CONDITIONS_NOT_SATISFIED, 'INSTALL RPA KEYSET before any GBA bootstrap');
    const { ks, rand } = this.bootstrapped;
    const ksIntNaf = deriveNafKey(ks, rand, this.impi, nafId, 'gba-u');
    this.rpa.set(keyIndex, deriveRpaKeysets(ksIntNaf));
    return this.faults.has('se-rpa-key-exposed') ? ksIntNaf : EMPTY;
  }

  /** The RPA keysets at a key index, if installed since the last bootstrap. */
  rpaKeysets(keyIndex: number): RpaKeysets | undefined {
    return this.rpa.get(keyIndex);
  }

  /** SQN = (SQN xor AK) xor AK; f5 depends on RAND only. */
  private recoverSqn(rand: Uint8Array, autn: Uint8Array): Uint8Array {
    const ak = milenage(this.keys.k, this.keys.opc, rand, new Uint8Array(6), autn.slice(6, 8)).ak;
    return autn.slice(0, 6).map((b, i) => b ^ ak[i]);
  }

  /** Fault se-accept-stale-sqn: RES, CK and IK for an AUTN whose MAC verified but whose SQN is not fresh. */
  private acceptStale(rand: Uint8Array, autn: Uint8Array): CardAkaResult {
    const sqn = this.recoverSqn(rand, autn);
    const m = milenage(this.keys.k, this.keys.opc, rand, sqn, autn.slice(6, 8));
    return { kind: 'ok', res: m.res, ck: m.ck, ik: m.ik, sqn };
  }
}
