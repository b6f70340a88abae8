/**
 * Reference Secure Element: the OBF application of a UICC, reached only through APDUs (draft B.2.2.2).
 * It keeps separate keysets for decryption (commands from the Application Server) and encryption (data to it)
 * at the same key index (B.2.2.2.1 NOTE 1), the last accepted command counter per decryption key index, and an
 * uplink counter per encryption key index, as a card keeps them in non-volatile memory. With a GBA personalisation
 * it also answers AUTHENTICATE in GBA security context and holds EF_GBABP (gba.ts). Given a memory file, that
 * non-volatile memory is a file (card-memory.ts), written before each response APDU that follows a change. With a
 * transfer personalisation it also answers GET TRANSFER DATA and TRANSFER PROVIDER of draft 6.4.3 a
 * (provider-transfer.ts); that state is not part of the memory file yet.
 */
import { decodeApdu, joinResponse, SW, type CommandApdu } from '../../protocol/iso-7816.ts';
import { APDU, EF_ICCID, OBF_AID, OBF_TAR, keyIdentifierFor, profileSpi, type KeySet } from '../../protocol/obf-profile.ts';
import { encodeIccidBcd } from '../../protocol/iccid.ts';
import { decodeCommandPacket, encodeCommandPacket } from '../../protocol/ts-102-225.ts';
import { encodeSpi } from '../../protocol/ts-102-225-coding.ts';
import { checkCounter } from '../../protocol/ts-102-225-counter.ts';
import { DecipherError, MalformedPacketError, ProtocolError, UnsupportedAlgorithmError } from '../../protocol/errors.ts';
import { equalBytes, readUint, toHex, writeUint } from '../../protocol/hex.ts';
import { GBA } from '../../protocol/ts-31-102-gba.ts';
import { INS_INSTALL_RPA_KEYSET, isRpaKeyIndex } from '../../protocol/obf-rpa.ts';
import type { FaultSet } from '../faults.ts';
import { ApduError } from './apdu-error.ts';
import { ReferenceGba, type GbaPersonalisation } from './gba.ts';
import { CardMemoryError, CardMemoryFile, countersFromImage, keysToImage, personalisationFromImage, type CardImage } from './card-memory.ts';

/** ISO/IEC 7816-4 6581, memory failure: the change could not be made durable, so its result is not given out. */
const SW_MEMORY_FAILURE = 0x6581;
import { ReferenceProviderTransfer, type TransferPersonalisation } from './provider-transfer.ts';
import { TRANSFER_APDU } from '../../protocol/obf-provider-transfer.ts';

export interface SecureElementPersonalisation {
  iccid: string;
  /** Keysets used to decipher and verify commands (the Application Server's encryption keys). */
  decryptionKeys: Record<number, KeySet>;
  /** Keysets used to cipher data for the Application Server (its decryption keys). */
  encryptionKeys: Record<number, KeySet>;
  /** GBA_U on the card (AUTHENTICATE in GBA context, EF_GBABP). Without it the card has neither. */
  gba?: GbaPersonalisation;
  /** Provider transfer (draft 6.4.3 a); needs `gba`, whose subscription a transfer replaces. */
  transfer?: TransferPersonalisation;
}

type Selected = 'mf' | 'obf' | 'ef-iccid' | 'ef-gbabp' | null;

export class ReferenceSecureElement {
  private selected: Selected = null;
  private readonly lastAcceptedCounter = new Map<number, bigint>();
  private readonly uplinkCounter = new Map<number, bigint>();
  private readonly gba: ReferenceGba | null;
  private readonly perso: SecureElementPersonalisation;
  private readonly memory: CardMemoryFile | null;
  private readonly transfer: ReferenceProviderTransfer | null;

  /**
   * `memoryFile`: the card's non-volatile memory. When the file exists the card is that card again (keys, counters,
   * GBA state from the file; `perso` must name the same ICCID); when it does not, it is written from `perso`.
   */
  constructor(perso: SecureElementPersonalisation, private readonly faults: FaultSet = new Set(), memoryFile?: string) {
    this.memory = memoryFile === undefined ? null : new CardMemoryFile(memoryFile);
    const image = this.memory?.read() ?? null;
    if (perso.transfer && !perso.gba) throw new RangeError('transfer personalisation needs a GBA personalisation');
    if (image && image.iccid !== perso.iccid) throw new CardMemoryError(memoryFile!, `it holds card ${image.iccid}, not ${perso.iccid}`);
    try {
      this.perso = image ? { ...personalisationFromImage(memoryFile!, image), transfer: perso.transfer } : perso;
      this.gba = this.perso.gba ? new ReferenceGba(this.perso.gba, faults) : null;
      this.transfer = this.perso.transfer && this.gba ? new ReferenceProviderTransfer(this.perso.transfer, this.perso.iccid, this.gba, faults) : null;
      if (image) {
        for (const [i, c] of countersFromImage(memoryFile!, image.lastAcceptedCounter)) this.lastAcceptedCounter.set(i, c);
        for (const [i, c] of countersFromImage(memoryFile!, image.uplinkCounter)) this.uplinkCounter.set(i, c);
        if (image.gba) this.gba?.restore(image.gba);
      }
    } catch (e) {
      if (e instanceof CardMemoryError) throw e;
      throw new CardMemoryError(memoryFile!, `its content is malformed (${(e as Error).message})`);
    }
    try {
      this.memory?.write(this.image());
    } catch (e) {
      throw new CardMemoryError(memoryFile!, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'its folder does not exist' : (e as Error).message);
    }
  }

  /** The non-volatile memory as card-memory.ts stores it. */
  private image(): CardImage {
    const counters = (m: Map<number, bigint>) => Object.fromEntries([...m].map(([i, c]) => [String(i), c.toString()]));
    return {
      format: 'obf-reference-card/1',
      iccid: this.perso.iccid,
      decryptionKeys: keysToImage(this.perso.decryptionKeys),
      encryptionKeys: keysToImage(this.perso.encryptionKeys),
      lastAcceptedCounter: counters(this.lastAcceptedCounter),
      uplinkCounter: counters(this.uplinkCounter),
      gba: this.perso.gba && this.gba ? { k: toHex(this.perso.gba.k), opc: toHex(this.perso.gba.opc), impi: this.perso.gba.impi, ...this.gba.memory() } : null,
    };
  }

  /** Answer-to-reset: T=1, historical bytes "OBF-REF". */
  readonly atr = Uint8Array.from([0x3b, 0x88, 0x80, 0x01, ...Buffer.from('OBF-REF'), 0x00].slice(0, 12));

  reset(): void {
    this.selected = null;
  }

  /** Process one command APDU; always answers with data || SW, never throws. */
  transmit(apdu: Uint8Array): Uint8Array {
    let command: CommandApdu;
    try {
      command = decodeApdu(apdu);
    } catch {
      return joinResponse(new Uint8Array(0), SW.WRONG_LENGTH);
    }
    try {
      const data = this.dispatch(command);
      try {
        this.memory?.write(this.image());
      } catch {
        return joinResponse(new Uint8Array(0), SW_MEMORY_FAILURE);
      }
      return joinResponse(data, SW.OK);
    } catch (e) {
      if (e instanceof ApduError) return joinResponse(new Uint8Array(0), e.sw);
      return joinResponse(new Uint8Array(0), SW.INTERNAL_ERROR);
    }
  }

  private dispatch(c: CommandApdu): Uint8Array {
    if (c.cla === 0x00 && c.ins === APDU.INS_SELECT) return this.select(c);
    if (c.cla === 0x00 && c.ins === APDU.INS_READ_BINARY) return this.readBinary(c);
    if (c.cla === 0x00 && this.gba && c.ins === GBA.INS_AUTHENTICATE) return this.gba.authenticate(c);
    if (c.cla === 0x00 && this.gba && c.ins === GBA.INS_UPDATE_BINARY) return this.updateBinary(c, this.gba);
    if (c.cla === APDU.CLA_PROPRIETARY) {
      if (this.selected !== 'obf') throw new ApduError(SW.NOT_FOUND, 'OBF application not selected');
      if (c.ins === APDU.INS_DECRYPT_DATA) return this.decryptData(c);
      if (c.ins === APDU.INS_ENCRYPT_DATA) return this.encryptData(c);
      if (c.ins === INS_INSTALL_RPA_KEYSET && this.gba) return this.installRpaKeyset(c, this.gba);
      if (this.transfer && c.ins === TRANSFER_APDU.INS_GET_TRANSFER_DATA) return this.transfer.getData(c);
      if (this.transfer && c.ins === TRANSFER_APDU.INS_TRANSFER_PROVIDER) return this.transfer.transfer(c);
      throw new ApduError(SW.INS_NOT_SUPPORTED, 'unknown INS');
    }
    if (c.cla !== 0x00) throw new ApduError(SW.CLA_NOT_SUPPORTED, 'unknown CLA');
    throw new ApduError(SW.INS_NOT_SUPPORTED, 'unknown INS');
  }

  private select(c: CommandApdu): Uint8Array {
    if (c.p1 === 0x04) {
      if (!equalBytes(c.data, OBF_AID)) throw new ApduError(SW.NOT_FOUND, 'unknown AID');
      this.selected = 'obf';
      return new Uint8Array(0);
    }
    if (c.p1 === 0x00 && c.data.length === 2) {
      const fid = (c.data[0] << 8) | c.data[1];
      if (fid === 0x3f00) this.selected = 'mf';
      else if (fid === EF_ICCID) this.selected = 'ef-iccid';
      else if (fid === GBA.EF_GBABP && this.gba) this.selected = 'ef-gbabp';
      else throw new ApduError(SW.NOT_FOUND, 'unknown file');
      return new Uint8Array(0);
    }
    throw new ApduError(SW.WRONG_P1P2, 'SELECT: P1 must be 04 (by AID) or 00 (by file ID)');
  }

  private readBinary(c: CommandApdu): Uint8Array {
    let content: Uint8Array;
    if (this.selected === 'ef-iccid') {
      const iccid = this.faults.has('se-wrong-iccid') ? this.perso.iccid.slice(0, 4) + '9'.repeat(this.perso.iccid.length - 4) : this.perso.iccid;
      content = encodeIccidBcd(iccid);
    } else if (this.selected === 'ef-gbabp' && this.gba) {
      content = this.gba.efGbabp();
    } else {
      throw new ApduError(SW.NOT_FOUND, 'no transparent EF selected');
    }
    const offset = (c.p1 << 8) | c.p2;
    if (offset > content.length) throw new ApduError(SW.WRONG_P1P2, 'offset beyond the file');
    const len = c.le === null || c.le === 0 ? content.length - offset : c.le;
    return content.slice(offset, offset + len);
  }

  /** UPDATE BINARY (00 D6, offset in P1 P2): only EF_GBABP is writable; EF_ICCID needs ADM, which nobody has. */
  private updateBinary(c: CommandApdu, gba: ReferenceGba): Uint8Array {
    if (this.selected === 'ef-iccid') throw new ApduError(SW.INSUFFICIENT_SECURITY, 'EF_ICCID is not updatable');
    if (this.selected !== 'ef-gbabp') throw new ApduError(SW.NOT_FOUND, 'no transparent EF selected');
    gba.updateGbabp((c.p1 << 8) | c.p2, c.data);
    return new Uint8Array(0);
  }

  /** seDecryptData (B.2.2.2.1): decipher, verify, and when asked check the counter; answer only the plaintext. */
  private decryptData(c: CommandApdu): Uint8Array {
    const replayCheck = (c.p2 & APDU.P2_REPLAY_CHECK) !== 0;
    let packet;
    try {
      packet = decodeCommandPacket(c.data);
    } catch (e) {
      throw this.packetError(e);
    }
    const index = packet.kic.keyIndex;
    if (packet.kid.keyIndex !== index) throw new ApduError(SW.MALFORMED, 'KIc and KID name different key indexes');
    if (c.p1 !== 0 && c.p1 !== index) throw new ApduError(SW.WRONG_P1P2, 'P1 key index differs from the packet');
    if (!equalBytes(packet.tar, OBF_TAR)) throw new ApduError(SW.NOT_FOUND, 'TAR unknown');
    const keys = this.keyset(index, 'decrypt');
    if (!keys) throw new ApduError(SW.KEY_NOT_FOUND, `no decryption key at index ${index}`);
    // Identity, integrity and confidentiality always (CC + ciphering); replay protection when the device asks for the
    // ReplayCheck (B.2.2.2.1 steps 3-5): then the SPI must ask for a checked counter.
    const counterChecked = packet.spi.counter === 'higher' || packet.spi.counter === 'one-higher';
    const lowSecurity = packet.spi.integrity !== 'CC' || !packet.spi.ciphered || (replayCheck && !counterChecked);
    if (lowSecurity && !this.faults.has('se-accept-low-security')) throw new ApduError(SW.INSUFFICIENT_SECURITY, 'below the profile minimum');
    const expectedId = keyIdentifierFor(keys.algorithm, index);
    if (packet.spi.ciphered && expectedId !== packet.kic.raw) throw new ApduError(SW.ALGORITHM_NOT_SUPPORTED, 'KIc algorithm differs from the keyset');
    if (packet.spi.integrity === 'CC' && expectedId !== packet.kid.raw) throw new ApduError(SW.ALGORITHM_NOT_SUPPORTED, 'KID algorithm differs from the keyset');
    let opened;
    try {
      opened = decodeCommandPacket(c.data, { kic: keys.kic, kid: keys.kid });
    } catch (e) {
      throw this.packetError(e);
    }
    if (opened.verified === false && !this.faults.has('se-ignore-integrity')) throw new ApduError(SW.INTEGRITY_FAILED, 'CC mismatch');
    const counter = readUint(opened.cntr!);
    if (replayCheck && !this.faults.has('se-skip-replay-check')) {
      const verdict = checkCounter(opened.spi.counter, counter, this.lastAcceptedCounter.get(index) ?? 0n);
      if (verdict === 'low') throw new ApduError(SW.COUNTER_LOW, 'replay');
      if (verdict === 'high') throw new ApduError(SW.COUNTER_HIGH, 'counter skipped values');
      if (verdict === 'blocked') throw new ApduError(SW.COUNTER_BLOCKED, 'counter exhausted');
    }
    if (replayCheck && counter > (this.lastAcceptedCounter.get(index) ?? 0n)) this.lastAcceptedCounter.set(index, counter);
    return opened.data!;
  }

  /** seEncryptData (B.2.2.2.2): add the counter (TRUST data), cipher and sign with the encryption keyset. */
  private encryptData(c: CommandApdu): Uint8Array {
    const index = c.p1;
    const replayCheck = (c.p2 & APDU.P2_REPLAY_CHECK) !== 0;
    if (index < 1 || index > 15) throw new ApduError(SW.WRONG_P1P2, 'key index must be 1..15');
    if (c.data.length === 0) throw new ApduError(SW.WRONG_LENGTH, 'no data to encrypt');
    const keys = this.keyset(index, this.faults.has('se-shared-direction-keys') ? 'decrypt' : 'encrypt');
    if (!keys) throw new ApduError(SW.KEY_NOT_FOUND, `no encryption key at index ${index}`);
    const previous = this.uplinkCounter.get(index) ?? 0n;
    const counter = this.faults.has('se-reuse-counter') && !replayCheck ? previous : previous + 1n;
    const kid = keyIdentifierFor(keys.algorithm, index);
    const spi = this.faults.has('se-no-ciphering')
      ? encodeSpi({ integrity: 'CC', ciphered: false, counter: replayCheck ? 'higher' : 'no-check' })
      : profileSpi(replayCheck);
    const packet = encodeCommandPacket({ spi, kic: kid, kid, tar: OBF_TAR, cntr: writeUint(counter, 5), data: c.data, keys: { kic: keys.kic, kid: keys.kid } });
    if (packet.length > 256) throw new ApduError(SW.WRONG_LENGTH, 'response would exceed 256 bytes');
    this.uplinkCounter.set(index, counter); // only a packet actually returned uses up a counter value
    return packet;
  }

  /** The keyset at an index: personalised (01..07) or, at an RPA key index (08..0F), installed from the bootstrap. */
  private keyset(index: number, use: 'decrypt' | 'encrypt'): KeySet | undefined {
    if (isRpaKeyIndex(index)) {
      const rpa = this.gba?.rpaKeysets(index);
      return use === 'decrypt' ? rpa?.downlink : rpa?.uplink;
    }
    return (use === 'decrypt' ? this.perso.decryptionKeys : this.perso.encryptionKeys)[index];
  }

  /**
   * INSTALL RPA KEYSET (80 5E, apdus.md 10). The counters of the index are kept: they only move forward per key
   * index, on the card as at the Application Server, whatever keyset the index holds.
   */
  private installRpaKeyset(c: CommandApdu, gba: ReferenceGba): Uint8Array {
    if (!isRpaKeyIndex(c.p1) || c.p2 !== 0x00) throw new ApduError(SW.WRONG_P1P2, 'INSTALL RPA KEYSET: P1 must be an RPA key index 08..0F and P2 00');
    if (c.data.length === 0) throw new ApduError(SW.WRONG_LENGTH, 'INSTALL RPA KEYSET without a NAF_Id');
    return gba.installRpaKeyset(c.p1, c.data);
  }

  private packetError(e: unknown): ApduError {
    if (e instanceof UnsupportedAlgorithmError) return new ApduError(SW.ALGORITHM_NOT_SUPPORTED, e.message);
    if (e instanceof DecipherError) return new ApduError(SW.INTEGRITY_FAILED, e.message);
    if (e instanceof MalformedPacketError || e instanceof ProtocolError) return new ApduError(SW.MALFORMED, e.message);
    return new ApduError(SW.INTERNAL_ERROR, String(e));
  }
}
