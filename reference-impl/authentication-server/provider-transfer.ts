/**
 * Provider transfer at the reference Authentication Server (draft 6.4.3 a, Figure 5; docs/profile/provider-transfer.md
 * section 5). The same server plays either side:
 * - as provider A, on the SE owner's authorisation (admin token), it signs a transfer statement for a device to a
 *   provider it has a business agreement with (a registered partner, whose public keys it holds), and ends the
 *   device's subscription: its old keys stop working;
 * - as provider B, it accepts the subscription from a statement a partner signed that names its own keys, and
 *   derives K and OPc from X25519 with the SE's public key. No secret key is sent or received.
 */
import { randomBytes } from 'node:crypto';
import { HexFormatError, MalformedPacketError } from '../../protocol/errors.ts';
import { fromHex, toHex, equalBytes } from '../../protocol/hex.ts';
import {
  PROVIDER_ID_PATTERN, checkProviderKeys, decodeTransferStatement, deriveSubscription, providerKeyPairs, signTransferStatement, transferredImpi,
  verifyTransferStatement, type ProviderKeyPairs,
} from '../../protocol/obf-provider-transfer.ts';
import { HttpError, field, iccidField } from '../http-json.ts';
import { IMPI_PATTERN, boundedInteger, exactHex, type ReferenceAuthenticationServer } from './authentication-server.ts';

/** Validity the reference gives a statement unless asked otherwise: one day; at most 30 days. */
export const DEFAULT_VALIDITY_SECONDS = 24 * 3600;
export const MAX_VALIDITY_SECONDS = 30 * 24 * 3600;

export interface ProviderIdentity {
  /** DNS name; subscriptions this server takes over get the IMPI <ICCID>@<id>. */
  id: string;
  /** Ed25519 and X25519 secrets (32 bytes each); random when absent. */
  signingSecret?: Uint8Array;
  keyAgreementSecret?: Uint8Array;
}

interface PartnerKeys {
  signingKey: Uint8Array;
  keyAgreementKey: Uint8Array;
}

export class TransferEndpoint {
  readonly id: string;
  private readonly keys: ProviderKeyPairs;

  constructor(private readonly as: ReferenceAuthenticationServer, identity: ProviderIdentity) {
    if (!PROVIDER_ID_PATTERN.test(identity.id)) throw new TypeError('provider id must be a DNS name of 1 to 64 characters');
    this.id = identity.id;
    this.keys = providerKeyPairs(identity.signingSecret ?? randomBytes(32), identity.keyAgreementSecret ?? randomBytes(32));
  }

  /** GET .../transfer/provider: this provider's public keys (public by nature). */
  provider(): { providerId: string; signingKey: string; keyAgreementKey: string } {
    return { providerId: this.id, signingKey: toHex(this.keys.signing.publicKey), keyAgreementKey: toHex(this.keys.keyAgreement.publicKey) };
  }

  private providerFields(body: Record<string, unknown>): { providerId: string } & PartnerKeys {
    const providerId = field<string>(body, 'providerId', 'string');
    if (!PROVIDER_ID_PATTERN.test(providerId)) throw new HttpError(400, 'BAD_REQUEST', "field 'providerId' must be a DNS name of 1 to 64 characters", 'providerId');
    const signingKey = exactHex(body, 'signingKey', 32, 'INVALID_KEY');
    const keyAgreementKey = exactHex(body, 'keyAgreementKey', 32, 'INVALID_KEY');
    try {
      checkProviderKeys(signingKey, keyAgreementKey);
    } catch (e) {
      if (e instanceof MalformedPacketError) throw new HttpError(400, 'INVALID_KEY', e.message, e.field === 'signing key' ? 'signingKey' : 'keyAgreementKey');
      throw e;
    }
    return { providerId, signingKey, keyAgreementKey };
  }

  /** Admin: record the business agreement with another provider (its id and public keys); replaces an earlier one. */
  registerPartner(body: Record<string, unknown>): { status: 'OK' } {
    const p = this.providerFields(body);
    if (p.providerId === this.id) throw new HttpError(400, 'BAD_REQUEST', 'a provider cannot be its own partner', 'providerId');
    this.as.putPartner(p.providerId, { signingKey: p.signingKey, keyAgreementKey: p.keyAgreementKey });
    return { status: 'OK' };
  }

  /** Owner (admin): as provider A, sign the device over to a partner; the subscription here ends. */
  signStatement(body: Record<string, unknown>): { statement: string; sequence: number; notAfter: string } {
    const iccid = iccidField(body);
    const target = this.providerFields(body);
    const validity = body.validitySeconds === undefined ? DEFAULT_VALIDITY_SECONDS : boundedInteger(body, 'validitySeconds', 60, MAX_VALIDITY_SECONDS);
    const sub = this.as.subscriberOf(iccid);
    if (!sub) throw new HttpError(403, 'UNKNOWN_SUBSCRIBER', 'no subscriber with this ICCID', 'iccid');
    // A signs once per subscription; a statement lost on its way is simply given to the card again (it is not secret).
    if (sub.transferredAt !== undefined) throw new HttpError(409, 'SUBSCRIPTION_TRANSFERRED', 'this subscription was already transferred', 'iccid');
    if (!sub.sePublicKey) throw new HttpError(409, 'NO_SE_KEY', 'the subscriber was provisioned without the SE\'s public key', 'iccid');
    const partner = this.as.partners.get(target.providerId);
    const agreed = partner !== undefined && equalBytes(partner.signingKey, target.signingKey) && equalBytes(partner.keyAgreementKey, target.keyAgreementKey);
    // auth-sign-unknown-provider: the faulty server signs whatever keys the request names.
    if (!agreed && !this.as.faults.has('auth-sign-unknown-provider')) {
      throw new HttpError(403, 'UNKNOWN_PROVIDER', 'no business agreement with this provider, or not with these keys', 'providerId');
    }
    const last = sub.transferSequence ?? 0;
    if (last >= 0xffffffff) throw new HttpError(409, 'SEQUENCE_EXHAUSTED', 'the transfer sequence number is exhausted', 'iccid');
    const notBefore = Math.floor(this.as.now() / 1000);
    const sequence = last + 1;
    const statement = signTransferStatement({
      sequence, notBefore, notAfter: notBefore + validity, iccid, seKeyAgreementKey: sub.sePublicKey,
      providerId: target.providerId, signingKey: target.signingKey, keyAgreementKey: target.keyAgreementKey,
    }, this.keys.signing.secretKey);
    this.as.endSubscriptionBySequence(sub, sequence);
    return { statement: toHex(statement), sequence, notAfter: new Date((notBefore + validity) * 1000).toISOString() };
  }

  /** Admin (provider B's operator): take over the device's subscription from a statement a partner signed. */
  acceptSubscription(body: Record<string, unknown>): { status: 'OK'; impi: string; iccid: string; sequence: number } {
    const text = field<string>(body, 'statement', 'string');
    let s;
    try {
      s = decodeTransferStatement(fromHex(text, 'statement'));
    } catch (e) {
      if (e instanceof MalformedPacketError || e instanceof HexFormatError) throw new HttpError(400, 'MALFORMED_STATEMENT', (e as Error).message, 'statement');
      throw e;
    }
    const own = this.keys;
    if (s.providerId !== this.id || !equalBytes(s.signingKey, own.signing.publicKey) || !equalBytes(s.keyAgreementKey, own.keyAgreement.publicKey)) {
      throw new HttpError(403, 'NOT_FOR_THIS_PROVIDER', 'the statement names another provider or other keys', 'statement');
    }
    const now = this.as.now() / 1000;
    if (now < s.notBefore || now > s.notAfter) throw new HttpError(403, 'STATEMENT_EXPIRED', 'the statement is outside its validity', 'statement');
    const signed = [...this.as.partners.values()].some((p) => verifyTransferStatement(s, p.signingKey));
    if (!signed && !this.as.faults.has('auth-accept-unsigned-transfer')) throw new HttpError(403, 'BAD_SIGNATURE', 'no provider with a business agreement signed this statement', 'statement');
    const existing = this.as.subscriberOf(s.iccid);
    if (existing && (existing.transferSequence ?? 0) >= s.sequence) throw new HttpError(409, 'REPLAYED_STATEMENT', `transfer sequence ${s.sequence} is not above ${existing.transferSequence ?? 0}`, 'statement');
    const impi = transferredImpi(s.iccid, this.id);
    if (!IMPI_PATTERN.test(impi)) throw new HttpError(400, 'MALFORMED_STATEMENT', 'the resulting IMPI is not an NAI', 'statement');
    const keys = deriveSubscription(own.keyAgreement.secretKey, s.seKeyAgreementKey, s.body);
    this.as.replaceSubscriber(existing, { impi, iccid: s.iccid, keys, sqnHe: new Uint8Array(6), sePublicKey: s.seKeyAgreementKey, transferSequence: s.sequence });
    return { status: 'OK', impi, iccid: s.iccid, sequence: s.sequence };
  }
}
