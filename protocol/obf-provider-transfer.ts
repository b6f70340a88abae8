/**
 * Transfer of the authentication provider (OBF draft 6.4.3 a, Figure 5), as the profile specifies it
 * (docs/profile/provider-transfer.md): the current provider A signs, with Ed25519 (RFC 8032), a transfer statement
 * naming the new provider B's public keys and the SE it is for; the SE verifies it with A's public key, stores B's
 * keys, and derives its new AKA subscription (K, OPc) from X25519 (RFC 7748) between its own key and B's, with
 * HKDF-SHA-256 (RFC 5869). Only public keys travel; B derives the same subscription from the SE's public key.
 * Pure functions on bytes; malformed input throws MalformedPacketError naming the field.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MalformedPacketError } from './errors.ts';
import { concatBytes, equalBytes } from './hex.ts';
import { decodeIccidBcd, encodeIccidBcd } from './iccid.ts';

/** Proprietary APDUs on the OBF application (CLA 80, AID F0 4F 42 46 01), docs/profile/provider-transfer.md 4. */
export const TRANSFER_APDU = {
  /** GET TRANSFER DATA: P1 00 = the SE's X25519 public key, P1 01 = the current provider record. */
  INS_GET_TRANSFER_DATA: 0x7a,
  P1_SE_PUBLIC_KEY: 0x00,
  P1_PROVIDER: 0x01,
  /** TRANSFER PROVIDER: P1 P2 00 00, data = a signed transfer statement. */
  INS_TRANSFER_PROVIDER: 0x7c,
} as const;

export const STATEMENT_VERSION = 0x01;
/** Domain separation of the signed bytes, so an A signature over anything else never verifies as a statement. */
export const STATEMENT_SIGNING_CONTEXT = new TextEncoder().encode('OBF-6.4.3a provider transfer v1');
/** A provider id is a DNS name (the realm of the IMPI the new subscription gets), 1 to 64 characters. */
export const PROVIDER_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/;
export const KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
/** version 1, sequence 4, notBefore 4, notAfter 4, ICCID 10, SE key 32, id length 1, B signing 32, B KA 32. */
const FIXED_BODY = 1 + 4 + 4 + 4 + 10 + KEY_LENGTH + 1 + KEY_LENGTH + KEY_LENGTH;
export const MIN_STATEMENT = FIXED_BODY + 1 + SIGNATURE_LENGTH;
export const MAX_STATEMENT = FIXED_BODY + 64 + SIGNATURE_LENGTH;

export interface TransferBody {
  /** Transfer sequence number, 1..2^32-1: the SE accepts only a number above the last it accepted. */
  sequence: number;
  /** Validity, seconds since 1970 (UTC). */
  notBefore: number;
  notAfter: number;
  /** The SE the statement is for: its ICCID and its X25519 public key. */
  iccid: string;
  seKeyAgreementKey: Uint8Array;
  /** The new provider: its id, Ed25519 signing key and X25519 key-agreement key. */
  providerId: string;
  signingKey: Uint8Array;
  keyAgreementKey: Uint8Array;
}

export interface TransferStatement extends TransferBody {
  signature: Uint8Array;
  /** The bytes the signature covers, without the signing context. */
  body: Uint8Array;
}

function u32(v: number, field: string): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new MalformedPacketError(field, 'must be an integer 0..4294967295', '0..4294967295', String(v));
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

const readU32 = (b: Uint8Array, at: number) => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];

function checkKey(key: Uint8Array, field: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) throw new MalformedPacketError(field, `must be ${KEY_LENGTH} bytes`, String(KEY_LENGTH), String(key?.length));
}

/** Pairs of public keys already found good: the check is a pure function costing about 2 ms in JavaScript. */
const goodProviderKeys = new Set<string>();
const GOOD_PROVIDER_KEYS_MAX = 1024;

/** The Ed25519 key must be a point on the curve and the X25519 key must not be of low order (RFC 7748 6.1). */
export function checkProviderKeys(signingKey: Uint8Array, keyAgreementKey: Uint8Array): void {
  checkKey(signingKey, 'signing key');
  checkKey(keyAgreementKey, 'key-agreement key');
  const id = Buffer.concat([signingKey, keyAgreementKey]).toString('hex');
  if (goodProviderKeys.has(id)) return;
  try {
    ed25519.Point.fromBytes(signingKey);
  } catch {
    throw new MalformedPacketError('signing key', 'is not an Ed25519 point', 'a point on edwards25519', 'not on the curve');
  }
  // A low-order X25519 key gives an all-zero shared secret that anyone can compute; the probe finds it.
  try {
    x25519.getSharedSecret(LOW_ORDER_PROBE, keyAgreementKey);
  } catch {
    throw new MalformedPacketError('key-agreement key', 'is of low order (RFC 7748 6.1)', 'a key of large order', 'low order');
  }
  if (goodProviderKeys.size >= GOOD_PROVIDER_KEYS_MAX) goodProviderKeys.clear();
  goodProviderKeys.add(id);
}

const LOW_ORDER_PROBE = sha256(new TextEncoder().encode('OBF-6.4.3a low-order probe'));

/** The statement's body, the bytes A signs (after STATEMENT_SIGNING_CONTEXT). */
export function encodeTransferBody(b: TransferBody): Uint8Array {
  if (b.sequence < 1) throw new MalformedPacketError('sequence', 'must be at least 1', '>= 1', String(b.sequence));
  if (b.notAfter <= b.notBefore) throw new MalformedPacketError('notAfter', 'must be after notBefore', `> ${b.notBefore}`, String(b.notAfter));
  if (!/^\d{18,20}$/.test(b.iccid)) throw new MalformedPacketError('ICCID', 'must be 18 to 20 digits', '18..20 digits', b.iccid);
  if (!PROVIDER_ID_PATTERN.test(b.providerId)) throw new MalformedPacketError('provider id', 'must be a DNS name of 1 to 64 characters', 'DNS name', b.providerId);
  checkKey(b.seKeyAgreementKey, 'SE key-agreement key');
  checkKey(b.signingKey, 'signing key');
  checkKey(b.keyAgreementKey, 'key-agreement key');
  const id = new TextEncoder().encode(b.providerId);
  return concatBytes(Uint8Array.of(STATEMENT_VERSION), u32(b.sequence, 'sequence'), u32(b.notBefore, 'notBefore'), u32(b.notAfter, 'notAfter'),
    encodeIccidBcd(b.iccid), b.seKeyAgreementKey, Uint8Array.of(id.length), id, b.signingKey, b.keyAgreementKey);
}

/** body || Ed25519(A's secret key, context || body). */
export function signTransferStatement(b: TransferBody, signingSecretKey: Uint8Array): Uint8Array {
  const body = encodeTransferBody(b);
  return concatBytes(body, ed25519.sign(concatBytes(STATEMENT_SIGNING_CONTEXT, body), signingSecretKey));
}

/** Parse a statement (structure only: the signature is checked by verifyTransferStatement). */
export function decodeTransferStatement(bytes: Uint8Array): TransferStatement {
  if (bytes.length < MIN_STATEMENT || bytes.length > MAX_STATEMENT) {
    throw new MalformedPacketError('transfer statement', `must be ${MIN_STATEMENT} to ${MAX_STATEMENT} bytes`, `${MIN_STATEMENT}..${MAX_STATEMENT}`, String(bytes.length));
  }
  if (bytes[0] !== STATEMENT_VERSION) throw new MalformedPacketError('version', 'unknown statement version', '01', bytes[0].toString(16).padStart(2, '0'));
  const idLength = bytes[55];
  if (bytes.length !== FIXED_BODY + idLength + SIGNATURE_LENGTH) {
    throw new MalformedPacketError('provider id length', `says ${idLength}, but the statement has room for ${bytes.length - FIXED_BODY - SIGNATURE_LENGTH}`, String(bytes.length - FIXED_BODY - SIGNATURE_LENGTH), String(idLength));
  }
  const iccid = decodeIccidBcd(bytes.subarray(13, 23));
  if (!/^\d{18,20}$/.test(iccid)) throw new MalformedPacketError('ICCID', 'is not 18 to 20 BCD digits', '18..20 digits', iccid);
  const providerId = new TextDecoder('latin1').decode(bytes.subarray(56, 56 + idLength));
  if (!PROVIDER_ID_PATTERN.test(providerId)) throw new MalformedPacketError('provider id', 'must be a DNS name of 1 to 64 characters', 'DNS name', providerId.slice(0, 64));
  const at = 56 + idLength;
  const s: TransferStatement = {
    sequence: readU32(bytes, 1), notBefore: readU32(bytes, 5), notAfter: readU32(bytes, 9),
    iccid, seKeyAgreementKey: bytes.slice(23, 55), providerId,
    signingKey: bytes.slice(at, at + KEY_LENGTH), keyAgreementKey: bytes.slice(at + KEY_LENGTH, at + 2 * KEY_LENGTH),
    signature: bytes.slice(at + 2 * KEY_LENGTH), body: bytes.slice(0, at + 2 * KEY_LENGTH),
  };
  if (s.sequence === 0) throw new MalformedPacketError('sequence', 'must be at least 1', '>= 1', '0');
  if (s.notAfter <= s.notBefore) throw new MalformedPacketError('notAfter', 'must be after notBefore', `> ${s.notBefore}`, String(s.notAfter));
  checkProviderKeys(s.signingKey, s.keyAgreementKey);
  return s;
}

/** RFC 8032 strict verification (no ZIP-215 leniency) of the statement with the signer's Ed25519 public key. */
export function verifyTransferStatement(s: TransferStatement, signerKey: Uint8Array): boolean {
  try {
    return ed25519.verify(s.signature, concatBytes(STATEMENT_SIGNING_CONTEXT, s.body), signerKey, { zip215: false });
  } catch {
    return false;
  }
}

export interface ProviderKeyPairs {
  signing: { secretKey: Uint8Array; publicKey: Uint8Array };
  keyAgreement: { secretKey: Uint8Array; publicKey: Uint8Array };
}

/** A provider's two key pairs from two 32-byte secrets. */
export function providerKeyPairs(signingSecret: Uint8Array, keyAgreementSecret: Uint8Array): ProviderKeyPairs {
  return {
    signing: { secretKey: signingSecret, publicKey: ed25519.getPublicKey(signingSecret) },
    keyAgreement: { secretKey: keyAgreementSecret, publicKey: x25519.getPublicKey(keyAgreementSecret) },
  };
}

export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey);
}

/**
 * The new AKA subscription both ends derive (profile 3): Z = X25519(own secret, peer public);
 * K || OPc = HKDF-SHA-256(IKM = Z, salt = SHA-256(statement body), info = context || "subscription", 32 bytes).
 * The salt binds the keys to this statement (ICCID, sequence, provider): a new transfer gives new keys.
 */
export function deriveSubscription(ownSecret: Uint8Array, peerPublic: Uint8Array, statementBody: Uint8Array): { k: Uint8Array; opc: Uint8Array } {
  let z: Uint8Array;
  try {
    z = x25519.getSharedSecret(ownSecret, peerPublic);
  } catch {
    throw new MalformedPacketError('key-agreement key', 'gives no usable X25519 shared secret (low order)', 'a key of large order', 'low order');
  }
  const okm = hkdf(sha256, z, sha256(statementBody), concatBytes(STATEMENT_SIGNING_CONTEXT, new TextEncoder().encode(' subscription')), 32);
  return { k: okm.slice(0, 16), opc: okm.slice(16, 32) };
}

/** The IMPI of a subscription made by a transfer: <ICCID>@<provider id>. */
export function transferredImpi(iccid: string, providerId: string): string {
  return `${iccid}@${providerId}`;
}

export interface ProviderRecord {
  /** The last transfer sequence number the SE accepted (0: none since personalisation). */
  sequence: number;
  signingKey: Uint8Array;
  providerId: string;
}

/** GET TRANSFER DATA P1 01 response: sequence (4) || signing key (32) || id length (1) || id. */
export function encodeProviderRecord(r: ProviderRecord): Uint8Array {
  const id = new TextEncoder().encode(r.providerId);
  return concatBytes(u32(r.sequence, 'sequence'), r.signingKey, Uint8Array.of(id.length), id);
}

export function decodeProviderRecord(bytes: Uint8Array): ProviderRecord {
  if (bytes.length < 4 + KEY_LENGTH + 2) throw new MalformedPacketError('provider record', `too short: ${bytes.length} bytes`, `>= ${4 + KEY_LENGTH + 2}`, String(bytes.length));
  const idLength = bytes[36];
  if (bytes.length !== 37 + idLength) throw new MalformedPacketError('provider record', `id length says ${idLength}, ${bytes.length - 37} bytes follow`, String(bytes.length - 37), String(idLength));
  const providerId = new TextDecoder('latin1').decode(bytes.subarray(37));
  if (!PROVIDER_ID_PATTERN.test(providerId)) throw new MalformedPacketError('provider id', 'must be a DNS name of 1 to 64 characters', 'DNS name', providerId.slice(0, 64));
  return { sequence: readU32(bytes, 0), signingKey: bytes.slice(4, 36), providerId };
}

/** Whether a statement names this SE (ICCID and X25519 public key). */
export function namesSe(s: TransferBody, iccid: string, seKeyAgreementKey: Uint8Array): boolean {
  return s.iccid === iccid && equalBytes(s.seKeyAgreementKey, seKeyAgreementKey);
}
