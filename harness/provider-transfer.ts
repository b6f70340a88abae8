/**
 * The harness's side of the provider transfer (draft 6.4.3 a; docs/profile/provider-transfer.md): GET TRANSFER DATA
 * and TRANSFER PROVIDER on the card, reading a provider's published keys, and the attacker's statements (signed by
 * a key that is not the current provider's, or altered after signing). Judging is left to the steps.
 */
import { randomBytes } from 'node:crypto';
import { encodeApdu, describeSw, SW } from '../protocol/iso-7816.ts';
import { APDU } from '../protocol/obf-profile.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { fromHex } from '../protocol/hex.ts';
import {
  TRANSFER_APDU, decodeProviderRecord, decodeTransferStatement, signTransferStatement, type ProviderRecord, type TransferBody,
} from '../protocol/obf-provider-transfer.ts';
import { NonConformance } from './verdicts.ts';
import { selectObf } from './se-commands.ts';
import type { AuthenticationServerAdapter, ProviderKeys, SecureElementAdapter } from '../adapters/types.ts';

/** The card answers INS not supported (6D00): it does not implement the transfer; the caller decides what that means. */
export class NoTransferSupport extends Error {}

async function getTransferData(se: SecureElementAdapter, p1: number): Promise<Uint8Array> {
  await selectObf(se);
  const r = await se.transmit(encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: TRANSFER_APDU.INS_GET_TRANSFER_DATA, p1, p2: 0, data: new Uint8Array(0), le: 0 }));
  if (r.sw === SW.INS_NOT_SUPPORTED) throw new NoTransferSupport('GET TRANSFER DATA not supported');
  if (r.sw !== SW.OK) throw new NonConformance('GET TRANSFER DATA failed', '9000', describeSw(r.sw));
  return r.data;
}

/** GET TRANSFER DATA P1 00: the card's X25519 public key. */
export async function cardPublicKey(se: SecureElementAdapter): Promise<Uint8Array> {
  const key = await getTransferData(se, TRANSFER_APDU.P1_SE_PUBLIC_KEY);
  if (key.length !== 32) throw new NonConformance('GET TRANSFER DATA (SE public key) answered no X25519 key', '32 bytes', `${key.length} bytes`);
  return key;
}

/** GET TRANSFER DATA P1 01: the provider the card trusts now and its last transfer sequence number. */
export async function cardProvider(se: SecureElementAdapter): Promise<ProviderRecord> {
  const data = await getTransferData(se, TRANSFER_APDU.P1_PROVIDER);
  try {
    return decodeProviderRecord(data);
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('GET TRANSFER DATA (provider) answered outside the profile', 'sequence || key || id', e.message);
    throw e;
  }
}

/** TRANSFER PROVIDER with a statement; returns the status word. */
export async function cardTransfer(se: SecureElementAdapter, statement: Uint8Array): Promise<number> {
  await selectObf(se);
  const r = await se.transmit(encodeApdu({ cla: APDU.CLA_PROPRIETARY, ins: TRANSFER_APDU.INS_TRANSFER_PROVIDER, p1: 0, p2: 0, data: statement, le: null }));
  if (r.sw === SW.OK && r.data.length !== 0) throw new NonConformance('TRANSFER PROVIDER answered data', 'no data', `${r.data.length} bytes`);
  return r.sw;
}

/** A provider's published public keys; an answer outside the profile is the server's non-conformance. */
export async function providerKeysOf(auth: AuthenticationServerAdapter): Promise<ProviderKeys> {
  if (!auth.transfer) throw new NoTransferSupport('the Authentication Server offers no provider transfer');
  const a = await auth.transfer.provider();
  const b = a.body as Partial<ProviderKeys>;
  const hex64 = (v: unknown) => typeof v === 'string' && /^[0-9A-Fa-f]{64}$/.test(v);
  if (a.status !== 200 || typeof b.providerId !== 'string' || !hex64(b.signingKey) || !hex64(b.keyAgreementKey)) {
    throw new NonConformance('the Authentication Server did not publish its provider keys', '200 {providerId, signingKey, keyAgreementKey}', `${a.status} ${JSON.stringify(a.body).slice(0, 120)}`);
  }
  return { providerId: b.providerId, signingKey: b.signingKey!.toUpperCase(), keyAgreementKey: b.keyAgreementKey!.toUpperCase() };
}

/** An attacker's statement: the right fields for this card and the next sequence number, signed by its own key. */
export function forgedStatement(card: { iccid: string; publicKey: Uint8Array; sequence: number }, to: ProviderKeys): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  const body: TransferBody = {
    sequence: card.sequence + 1, notBefore: now, notAfter: now + 3600, iccid: card.iccid, seKeyAgreementKey: card.publicKey,
    providerId: to.providerId, signingKey: fromHex(to.signingKey), keyAgreementKey: fromHex(to.keyAgreementKey),
  };
  return signTransferStatement(body, randomBytes(32));
}

/** The X25519 base point (u = 9, RFC 7748 4.1): a valid key of large order, the attacker's own with scalar 1. */
const ATTACKER_KEY_AGREEMENT_KEY = Uint8Array.of(9, ...new Uint8Array(31));

/** A signed statement whose new provider's key-agreement key an attacker replaced: only the signature can tell. */
export function tamperedStatement(statement: Uint8Array): Uint8Array {
  const s = decodeTransferStatement(statement);
  const out = statement.slice();
  out.set(ATTACKER_KEY_AGREEMENT_KEY, s.body.length - 32);
  return out;
}
