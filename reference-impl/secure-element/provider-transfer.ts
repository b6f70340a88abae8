/**
 * Transfer of the authentication provider on the reference card (draft 6.4.3 a; docs/profile/provider-transfer.md):
 * the card keeps its own X25519 key pair, the current provider's id and Ed25519 key, the last transfer sequence
 * number and a time floor, as non-volatile data. TRANSFER PROVIDER stores the new provider's keys only after
 * verifying the current provider's signature, and re-keys the GBA subscription from X25519(card, new provider):
 * no secret key enters or leaves the card.
 */
import { SW, type CommandApdu } from '../../protocol/iso-7816.ts';
import { MalformedPacketError } from '../../protocol/errors.ts';
import {
  TRANSFER_APDU, decodeTransferStatement, deriveSubscription, encodeProviderRecord, namesSe, transferredImpi, verifyTransferStatement, x25519PublicKey,
} from '../../protocol/obf-provider-transfer.ts';
import type { FaultSet } from '../faults.ts';
import { ApduError } from './apdu-error.ts';
import type { ReferenceGba } from './gba.ts';

export interface TransferPersonalisation {
  /** The card's X25519 secret key (32 bytes); its public key is what GET TRANSFER DATA answers. */
  keyAgreementSecret: Uint8Array;
  /** The provider the card is issued to: id (DNS name) and Ed25519 public key. */
  provider: { id: string; signingKey: Uint8Array };
}

export class ReferenceProviderTransfer {
  private readonly secret: Uint8Array;
  private cachedPublicKey: Uint8Array | undefined;
  private provider: { id: string; signingKey: Uint8Array };
  private sequence = 0;
  /** The latest notBefore accepted: the card has no clock, so it refuses statements that ended before it. */
  private timeFloor = 0;

  constructor(perso: TransferPersonalisation, private readonly iccid: string, private readonly gba: ReferenceGba, private readonly faults: FaultSet) {
    if (perso.keyAgreementSecret?.length !== 32) throw new RangeError('transfer personalisation: the X25519 secret must be 32 bytes');
    if (perso.provider?.signingKey?.length !== 32) throw new RangeError('transfer personalisation: the provider signing key must be 32 bytes');
    this.secret = perso.keyAgreementSecret.slice();
    this.provider = { id: perso.provider.id, signingKey: perso.provider.signingKey.slice() };
  }

  /** Computed on first use: most cards of a run never transfer, and X25519 in JavaScript costs about a millisecond. */
  private get publicKey(): Uint8Array {
    this.cachedPublicKey ??= x25519PublicKey(this.secret);
    return this.cachedPublicKey;
  }

  /** GET TRANSFER DATA (80 7A): P1 00 the card's public key, P1 01 the current provider record. */
  getData(c: CommandApdu): Uint8Array {
    if (c.p2 !== 0) throw new ApduError(SW.WRONG_P1P2, 'GET TRANSFER DATA: P2 must be 00');
    if (c.p1 === TRANSFER_APDU.P1_SE_PUBLIC_KEY) return this.publicKey.slice();
    if (c.p1 === TRANSFER_APDU.P1_PROVIDER) return encodeProviderRecord({ sequence: this.sequence, signingKey: this.provider.signingKey, providerId: this.provider.id });
    throw new ApduError(SW.WRONG_P1P2, 'GET TRANSFER DATA: P1 must be 00 or 01');
  }

  /** TRANSFER PROVIDER (80 7C 00 00): checks in the order of docs/profile/provider-transfer.md 4.3. */
  transfer(c: CommandApdu): Uint8Array {
    if (c.p1 !== 0 || c.p2 !== 0) throw new ApduError(SW.WRONG_P1P2, 'TRANSFER PROVIDER: P1 P2 must be 00 00');
    if (c.data.length === 0) throw new ApduError(SW.WRONG_LENGTH, 'TRANSFER PROVIDER without a statement');
    let s;
    try {
      s = decodeTransferStatement(c.data);
    } catch (e) {
      if (e instanceof MalformedPacketError) throw new ApduError(SW.MALFORMED, e.message);
      throw e;
    }
    if (!namesSe(s, this.iccid, this.publicKey) && !this.faults.has('se-accept-other-se-transfer')) {
      throw new ApduError(SW.KEY_NOT_FOUND, 'the statement names another SE');
    }
    if (!verifyTransferStatement(s, this.provider.signingKey) && !this.faults.has('se-accept-unsigned-provider-key')) {
      throw new ApduError(SW.INTEGRITY_FAILED, 'the signature does not verify with the current provider\'s key');
    }
    if (!this.faults.has('se-accept-replayed-transfer')) {
      if (s.sequence <= this.sequence) throw new ApduError(SW.COUNTER_LOW, `transfer sequence ${s.sequence} is not above ${this.sequence}`);
      if (s.notAfter < this.timeFloor) throw new ApduError(SW.COUNTER_LOW, 'the statement expired before one the card already accepted');
    }
    let keys;
    try {
      keys = deriveSubscription(this.secret, s.keyAgreementKey, s.body);
    } catch (e) {
      if (e instanceof MalformedPacketError) throw new ApduError(SW.MALFORMED, e.message);
      throw e;
    }
    // All or nothing, as a card commits a transaction: provider, counters and subscription change together.
    this.provider = { id: s.providerId, signingKey: s.signingKey.slice() };
    this.sequence = s.sequence;
    this.timeFloor = Math.max(this.timeFloor, s.notBefore);
    // se-transfer-keeps-old-key: the faulty card records the new provider but keeps authenticating with the old K.
    if (!this.faults.has('se-transfer-keeps-old-key')) this.gba.resubscribe({ ...keys, impi: transferredImpi(this.iccid, s.providerId) });
    return new Uint8Array(0);
  }
}
