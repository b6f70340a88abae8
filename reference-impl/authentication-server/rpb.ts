/**
 * RPB (Ub-like): HTTP Digest AKA bootstrapping (RFC 3310; 3GPP TS 24.109 clause 5; TS 33.220 4.5.2) at the
 * reference Authentication Server. The client names its IMPI as Digest username; the server answers 401 with
 * nonce = base64(RAND || AUTN) (fresh RAND, SQN_HE + 1, AMF 00 00); the client answers with RES as the Digest
 * password, and on success gets a B-TID and the key lifetime; Ks = CK || IK is kept. AUTS with an empty password
 * resynchronises SQN_HE (TS 33.102 6.3.5). Each issued nonce is good for one answer, within CHALLENGE_TTL_MS.
 * Every refusal is an HttpError with a code of docs/profile/gba-api.md.
 */
import { randomBytes } from 'node:crypto';
import { AKA_ALGORITHM, DigestFormatError, akaNonce, digestResponse, formatDigestHeader, parseDigestHeader, verifyDigest } from '../../protocol/rfc-3310-digest-aka.ts';
import { makeAuthenticationVector, nextSqn, recoverSqnMs } from '../../protocol/ts-33-102-aka.ts';
import { bTid } from '../../protocol/ts-33-220.ts';
import { concatBytes } from '../../protocol/hex.ts';
import { HttpError, type JsonReply, type JsonRequest } from '../http-json.ts';
import { IMPI_PATTERN, type ReferenceAuthenticationServer, type Subscriber } from './authentication-server.ts';

/** AMF of the vectors: 00 00 (separation bit 0: not for E-UTRAN, TS 33.102 Annex F; GBA does not need it). */
export const RPB_AMF = new Uint8Array(2);
/** An issued challenge may be answered once, within 5 minutes (server clock). */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** At most this many challenges are kept; the oldest goes first. */
export const MAX_PENDING_CHALLENGES = 10_000;

interface Challenge {
  impi: string;
  rand: Uint8Array;
  xres: Uint8Array;
  ks: Uint8Array;
  opaque: string;
  issuedAt: number;
}

const malformed = (message: string) => new HttpError(400, 'MALFORMED_AUTHORIZATION', message);

export class RpbEndpoint {
  private readonly pending = new Map<string, Challenge>();

  constructor(private readonly as: ReferenceAuthenticationServer) {}

  /** 401 with a fresh AKA challenge for the subscriber (one new vector: SQN_HE advances). */
  private challenge(sub: Subscriber, code: string, message: string, stale = false): HttpError {
    this.as.updateSqn(sub, nextSqn(sub.sqnHe));
    const rand = Uint8Array.from(randomBytes(16));
    const av = makeAuthenticationVector(sub.keys, rand, sub.sqnHe, RPB_AMF);
    const nonce = akaNonce(rand, av.autn);
    const opaque = randomBytes(16).toString('hex');
    if (this.pending.size >= MAX_PENDING_CHALLENGES) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(nonce, { impi: sub.impi, rand, xres: av.xres, ks: concatBytes(av.ck, av.ik), opaque, issuedAt: this.as.now() });
    const header = formatDigestHeader({ realm: this.as.realm, nonce, algorithm: AKA_ALGORITHM, qop: 'auth', opaque, ...(stale ? { stale: 'TRUE' } : {}) }, ['algorithm', 'stale']);
    return new HttpError(401, code, message, undefined, { 'www-authenticate': header });
  }

  /** POST .../rpb/bootstrap: the whole exchange is in the Authorization header; the body is not read. */
  bootstrap(req: JsonRequest): JsonReply {
    const header = req.headers.authorization;
    if (header === undefined) {
      const ask = formatDigestHeader({ realm: this.as.realm, nonce: '', algorithm: AKA_ALGORITHM, qop: 'auth' }, ['algorithm']);
      throw new HttpError(401, 'IDENTITY_REQUIRED', 'send Authorization: Digest with your IMPI as username, an empty nonce and an empty response', undefined, { 'www-authenticate': ask });
    }
    let p: Record<string, string>;
    try {
      p = parseDigestHeader(header);
    } catch (e) {
      if (e instanceof DigestFormatError) throw malformed(e.message);
      throw e;
    }
    if (p.username === undefined || !IMPI_PATTERN.test(p.username)) throw malformed("the Digest username must be the IMPI, an NAI user@realm");
    if (p.realm !== undefined && p.realm !== this.as.realm) throw malformed(`the Digest realm must be "${this.as.realm}"`);
    if (p.algorithm !== undefined && p.algorithm.toLowerCase() !== AKA_ALGORITHM.toLowerCase()) throw malformed(`the Digest algorithm must be ${AKA_ALGORITHM}`);
    const sub = this.as.subscribers.get(p.username);
    if (!sub) throw new HttpError(403, 'UNKNOWN_SUBSCRIBER', 'no subscriber with this identity');
    if (!this.as.servesSubscriber(sub)) throw new HttpError(403, 'SUBSCRIPTION_TRANSFERRED', 'this subscription moved to another provider');
    if (p.auts === undefined && (p.response === undefined || p.response === '')) {
      throw this.challenge(sub, 'AKA_CHALLENGE', 'answer the AKA challenge in WWW-Authenticate with RES as the Digest password');
    }
    for (const k of ['realm', 'nonce', 'uri', 'response', 'nc', 'cnonce', 'qop']) if (p[k] === undefined) throw malformed(`the Digest response lacks '${k}'`);
    if (p.uri !== req.target) throw malformed('the Digest uri must be the request-target');
    if (!/^[0-9a-fA-F]{8}$/.test(p.nc)) throw malformed('the Digest nc must be 8 hex digits');
    if (!/^[\x20-\x7e]{1,256}$/.test(p.cnonce)) throw malformed('the Digest cnonce must be 1 to 256 printable ASCII characters');
    if (p.qop !== 'auth') throw malformed("the Digest qop must be 'auth'");
    const c = this.pending.get(p.nonce);
    if (c) this.pending.delete(p.nonce); // a nonce is good for one answer, whatever the outcome
    if (!c || c.impi !== sub.impi || this.as.now() - c.issuedAt > CHALLENGE_TTL_MS) {
      throw this.challenge(sub, 'STALE_NONCE', 'the nonce was not issued for this IMPI, was already used or is too old: answer this fresh challenge', true);
    }
    if (p.opaque !== c.opaque) throw malformed('the Digest opaque must be returned as issued');
    return p.auts !== undefined ? this.resynchronise(sub, c, p) : this.authenticate(sub, c, p);
  }

  private resynchronise(sub: Subscriber, c: Challenge, p: Record<string, string>): never {
    const auts = Buffer.from(p.auts, 'base64');
    if (auts.length !== 14 || auts.toString('base64') !== p.auts) throw malformed('auts must be base64 of the 14-byte AUTS');
    if (!verifyDigest(p, { password: '', method: 'POST' })) throw new HttpError(403, 'RESYNC_FAILED', 'a resynchronisation must be sent with an empty password');
    const sqnMs = recoverSqnMs(sub.keys, c.rand, Uint8Array.from(auts));
    if (!sqnMs) throw new HttpError(403, 'RESYNC_FAILED', 'AUTS does not verify (MAC-S)');
    if (!this.as.faults.has('auth-ignore-sqn-resync')) this.as.updateSqn(sub, sqnMs);
    throw this.challenge(sub, 'SQN_RESYNCHRONISED', 'sequence number resynchronised: answer this fresh challenge');
  }

  private authenticate(sub: Subscriber, c: Challenge, p: Record<string, string>): JsonReply {
    if (!verifyDigest(p, { password: c.xres, method: 'POST' }) && !this.as.faults.has('auth-accept-any-res')) {
      throw new HttpError(403, 'AUTH_FAILED', 'the Digest response does not verify with the expected RES');
    }
    const b = this.as.storeBootstrap(sub, bTid(c.rand, this.as.realm), c.rand, c.ks);
    // auth-no-server-proof: a server that cannot prove it knew RES (here: an rspauth over the wrong password).
    const proofKey = this.as.faults.has('auth-no-server-proof') ? '' : c.xres;
    const rspauth = digestResponse({ username: p.username, realm: p.realm, password: proofKey, method: '', uri: p.uri, nonce: p.nonce, nc: p.nc, cnonce: p.cnonce, qop: 'auth' });
    const info = formatDigestHeader({ qop: 'auth', rspauth, cnonce: p.cnonce, nc: p.nc }, ['qop', 'nc']).slice('Digest '.length);
    return { status: 200, body: { btid: b.btid, lifetime: new Date(b.expiresAt).toISOString() }, headers: { 'authentication-info': info } };
  }
}
