/**
 * RPA in the OBF test profile (draft 3.2 viii, 6.4.2: "the application protocol, secured using the key material
 * agreed between Secure Element and Authentication Server"; GBA's Ua). The application protocol is the Appendix B
 * secured packet (TS 102 225) that the device and the Application Server already exchange; RPA only changes where
 * its keys come from: GBA_U's Ks_int_NAF (TS 33.220 5.3.2, 4.5.2), which never leaves the card. The card and the
 * Application Server (the NAF, which gets Ks_int_NAF over RPO) each derive one AES-128 packet keyset per direction
 * from it, and the card installs them at an RPA key index. docs/profile/apdus.md section 10, gba-api.md section 12.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeApdu } from './iso-7816.ts';
import { HexFormatError } from './errors.ts';
import type { KeySet } from './obf-profile.ts';
import { nafId } from './ts-33-220.ts';

/**
 * Ua security protocol identifier of RPA (TS 33.220 Annex H coding: organisation octet, then four octets). Not a
 * 3GPP-registered value: organisation octet FF then "OBF" and version 01, the profile's own, so that the key an
 * Application Server gets for RPA differs from its HTTP Digest key (01 00 00 00 02) for the same FQDN.
 */
export const UA_OBF_RPA = Uint8Array.of(0xff, 0x4f, 0x42, 0x46, 0x01);

/** NAF_Id of an Application Server for RPA: its FQDN || UA_OBF_RPA (TS 33.220 4.5.2, Annex H). */
export function rpaNafId(fqdn: string): Uint8Array {
  return nafId(fqdn, UA_OBF_RPA);
}

/** Key indexes an RPA keyset may occupy; 01..07 stay for the personalised keysets of Appendix B. */
export const RPA_KEY_INDEX_MIN = 0x08;
export const RPA_KEY_INDEX_MAX = 0x0f;

export function isRpaKeyIndex(i: number): boolean {
  return Number.isInteger(i) && i >= RPA_KEY_INDEX_MIN && i <= RPA_KEY_INDEX_MAX;
}

/** INSTALL RPA KEYSET: CLA 80 INS 5E, P1 the RPA key index, P2 00, data NAF_Id. */
export const INS_INSTALL_RPA_KEYSET = 0x5e;

export function installRpaKeysetApdu(nafIdBytes: Uint8Array, keyIndex: number): Uint8Array {
  if (!isRpaKeyIndex(keyIndex)) throw new HexFormatError(`RPA key index must be ${RPA_KEY_INDEX_MIN}..${RPA_KEY_INDEX_MAX}, got ${keyIndex}`, '8..15', String(keyIndex));
  if (nafIdBytes.length === 0 || nafIdBytes.length > 255) throw new HexFormatError(`NAF_Id must be 1..255 bytes, got ${nafIdBytes.length}`, '1..255', String(nafIdBytes.length));
  return encodeApdu({ cla: 0x80, ins: INS_INSTALL_RPA_KEYSET, p1: keyIndex, p2: 0x00, data: nafIdBytes, le: null });
}

/** The label of each key, as ASCII: the HMAC message. */
export const RPA_KEY_LABELS = { downKic: 'obf-rpa/down/kic', downKid: 'obf-rpa/down/kid', upKic: 'obf-rpa/up/kic', upKid: 'obf-rpa/up/kid' } as const;

/** The two keysets of one RPA association. Downlink: the AS encrypts, the card decrypts; uplink the reverse. */
export interface RpaKeysets {
  downlink: KeySet;
  uplink: KeySet;
}

/**
 * Each key = the first 16 bytes of HMAC-SHA-256(Ks_int_NAF, label) with the labels of RPA_KEY_LABELS: four
 * independent keys, so the directions never share a key (B.2.2.2.1 NOTE 1) and KIc never equals KID.
 */
export function deriveRpaKeysets(ksIntNaf: Uint8Array): RpaKeysets {
  if (!(ksIntNaf instanceof Uint8Array) || ksIntNaf.length !== 32) throw new HexFormatError(`Ks_int_NAF must be 32 bytes, got ${ksIntNaf?.length ?? 0}`, '32', String(ksIntNaf?.length ?? 0));
  const key = (label: string) => hmac(sha256, ksIntNaf, new TextEncoder().encode(label)).slice(0, 16);
  return {
    downlink: { algorithm: 'aes', kic: key(RPA_KEY_LABELS.downKic), kid: key(RPA_KEY_LABELS.downKid) },
    uplink: { algorithm: 'aes', kic: key(RPA_KEY_LABELS.upKic), kid: key(RPA_KEY_LABELS.upKid) },
  };
}
