/**
 * The terminal's side of RPB (GBA's Ub, TS 24.109 / RFC 3310), played by the harness between the Secure Element
 * and the Authentication Server: it relays the server's challenge to the card with AUTHENTICATE (TS 31.102, GBA
 * context), answers the server with the card's RES, resynchronises with AUTS, and reports a MAC failure; after a
 * bootstrap it stores B-TID and key lifetime in EF_GBABP (the GBA_U terminal's duty, TS 31.102 4.2.79, TS 33.220
 * G.1). For RPA it asks the card to install the packet keyset of one NAF (INSTALL RPA KEYSET, apdus.md 10). Each
 * step is returned as evidence; the judging is left to the steps.
 */
import { digestResponse, formatDigestHeader, parseAkaNonce, parseDigestHeader, AKA_ALGORITHM } from '../protocol/rfc-3310-digest-aka.ts';
import { GBA, decodeGbabp, decodeGbaResponse, encodeBootstrapCommand, encodeGbabp, encodeNafCommand, gbaAuthenticateApdu, type GbaAnswer, type GbaBootstrapParameters } from '../protocol/ts-31-102-gba.ts';
import { installRpaKeysetApdu } from '../protocol/obf-rpa.ts';
import { makeAuthenticationVector } from '../protocol/ts-33-102-aka.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { describeSw, encodeApdu, SW } from '../protocol/iso-7816.ts';
import { toHex } from '../protocol/hex.ts';
import { NonConformance } from './verdicts.ts';
import { selectObf } from './se-commands.ts';
import { errorCodeOf, type AuthenticationServerAdapter, type HttpAnswer, type SecureElementAdapter } from '../adapters/types.ts';

export interface Challenge {
  rand: Uint8Array;
  autn: Uint8Array;
  nonce: string;
  opaque?: string;
}

export type BootstrapOutcome =
  | { kind: 'bootstrapped'; btid: string; lifetime: string; resynchronised: boolean }
  | { kind: 'refused-by-server'; status: number; code: string | null }
  | { kind: 'refused-by-card'; sw: number };

export interface BootstrapOptions {
  /** Change one bit of RES before answering (an impostor card). */
  wrongRes?: boolean;
  /** Change one bit of AUTN on its way to the card (an attacker on the network). */
  tamperAutn?: boolean;
}

/** The challenge of a 401 answer; anything else where a challenge is due is the server's non-conformance. */
export function challengeOf(a: HttpAnswer): Challenge {
  const header = a.headers.get('www-authenticate');
  if (a.status !== 401 || !header) throw new NonConformance('the Authentication Server did not answer with a Digest AKA challenge', '401 with WWW-Authenticate: Digest', `${a.status} ${header ?? '(no challenge)'}`);
  try {
    const p = parseDigestHeader(header);
    if ((p.algorithm ?? '').toUpperCase() !== AKA_ALGORITHM.toUpperCase()) throw new NonConformance('the challenge is not Digest AKA', AKA_ALGORITHM, p.algorithm ?? '(none)');
    return { ...parseAkaNonce(p.nonce ?? ''), nonce: p.nonce, opaque: p.opaque };
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('the Authentication Server sent a malformed Digest AKA challenge', 'RFC 3310 challenge', e.message);
    throw e;
  }
}

/** AUTHENTICATE in bootstrapping mode on the card. */
export async function cardBootstrap(se: SecureElementAdapter, rand: Uint8Array, autn: Uint8Array): Promise<GbaAnswer> {
  const r = await se.transmit(gbaAuthenticateApdu(encodeBootstrapCommand(rand, autn)));
  try {
    return decodeGbaResponse(r.data, r.sw, 'bootstrap');
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('the Secure Element answered AUTHENTICATE (GBA bootstrap) outside TS 31.102', 'DB RES, DC AUTS or 9862', `${describeSw(r.sw)}: ${e.message}`);
    throw e;
  }
}

/** AUTHENTICATE in NAF derivation mode: Ks_ext_NAF from the card. */
export async function cardNafKey(se: SecureElementAdapter, nafId: Uint8Array, impi: string): Promise<Uint8Array> {
  const r = await se.transmit(gbaAuthenticateApdu(encodeNafCommand(nafId, impi)));
  let a: GbaAnswer;
  try {
    a = decodeGbaResponse(r.data, r.sw, 'naf');
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('the Secure Element answered AUTHENTICATE (NAF derivation) outside TS 31.102', 'DB Ks_ext_NAF', `${describeSw(r.sw)}: ${e.message}`);
    throw e;
  }
  if (a.kind !== 'success') throw new NonConformance('the Secure Element gave no Ks_ext_NAF', 'DB Ks_ext_NAF', a.kind === 'refused' ? describeSw(a.sw) : a.kind);
  return a.value;
}

function authorization(auth: AuthenticationServerAdapter, impi: string, c: Challenge, password: Uint8Array | string, auts?: Uint8Array): string {
  const cnonce = Buffer.from(c.rand.subarray(0, 6)).toString('hex');
  const nc = '00000001';
  const response = digestResponse({ username: impi, realm: auth.realm, password, method: 'POST', uri: auth.bootstrapUri, nonce: c.nonce, nc, cnonce, qop: 'auth' });
  return formatDigestHeader({
    username: impi, realm: auth.realm, nonce: c.nonce, uri: auth.bootstrapUri, qop: 'auth', nc, cnonce, response, algorithm: AKA_ALGORITHM,
    ...(c.opaque !== undefined ? { opaque: c.opaque } : {}), ...(auts ? { auts: Buffer.from(auts).toString('base64') } : {}),
  });
}

/**
 * RPB is mutual authentication (draft 3.2 vii): the server proves it knew RES too, with rspauth in
 * Authentication-Info (RFC 2617 3.2.3: the request-digest with an empty method).
 */
function verifyServerProof(done: HttpAnswer, auth: AuthenticationServerAdapter, impi: string, c: Challenge, res: Uint8Array): void {
  const info = done.headers.get('authentication-info');
  if (!info) throw new NonConformance('the Authentication Server did not prove itself (no Authentication-Info with rspauth)', 'Authentication-Info: rspauth=...', '(none)');
  let p: Record<string, string>;
  try {
    p = parseDigestHeader(`Digest ${info}`);
  } catch (e) {
    throw new NonConformance('the Authentication-Info header is malformed', 'RFC 2617 3.2.3', (e as Error).message);
  }
  const cnonce = Buffer.from(c.rand.subarray(0, 6)).toString('hex');
  const want = digestResponse({ username: impi, realm: auth.realm, password: res, method: '', uri: auth.bootstrapUri, nonce: c.nonce, nc: '00000001', cnonce, qop: 'auth' });
  if ((p.rspauth ?? '').toLowerCase() !== want) throw new NonConformance('the Authentication Server\'s rspauth does not verify: it did not prove knowledge of RES', want, p.rspauth ?? '(none)');
}

/** A whole bootstrap; at most one resynchronisation. */
export async function bootstrap(se: SecureElementAdapter, auth: AuthenticationServerAdapter, impi: string, opts: BootstrapOptions = {}): Promise<{ outcome: BootstrapOutcome; challenges: Challenge[] }> {
  const challenges: Challenge[] = [];
  let answer = await auth.rpb(`Digest username="${impi}", realm="${auth.realm}", nonce="", uri="${auth.bootstrapUri}", response=""`);
  // A refusal of the identity itself (an unknown or transferred subscriber) is the server's answer, not a protocol fault.
  if (answer.status === 403 && errorCodeOf(answer) !== null) return { outcome: { kind: 'refused-by-server', status: 403, code: errorCodeOf(answer) }, challenges };
  let resynchronised = false;
  for (let round = 0; round < 2; round++) {
    const c = challengeOf(answer);
    challenges.push(c);
    const autn = c.autn.slice();
    if (opts.tamperAutn) autn[15] ^= 0x01;
    const card = await cardBootstrap(se, c.rand, autn);
    if (card.kind === 'mac-failure') {
      // Report it as RFC 3310 says (empty password, no auts): the server must not issue a B-TID for it.
      const report = await auth.rpb(authorization(auth, impi, c, ''));
      if (report.status >= 200 && report.status < 300) {
        throw new NonConformance('the Authentication Server issued a bootstrap although the card refused its AUTN', 'a refusal or a new challenge', `HTTP ${report.status} ${JSON.stringify(report.body).slice(0, 80)}`);
      }
      return { outcome: { kind: 'refused-by-card', sw: 0x9862 }, challenges };
    }
    if (card.kind === 'sync-failure') {
      answer = await auth.rpb(authorization(auth, impi, c, '', card.auts));
      resynchronised = true;
      if (answer.status !== 401) return { outcome: { kind: 'refused-by-server', status: answer.status, code: errorCodeOf(answer) }, challenges };
      continue;
    }
    if (card.kind === 'refused') return { outcome: { kind: 'refused-by-card', sw: card.sw }, challenges };
    const res = card.value.slice();
    if (opts.wrongRes) res[0] ^= 0x01;
    const done = await auth.rpb(authorization(auth, impi, c, res));
    if (done.status !== 200) return { outcome: { kind: 'refused-by-server', status: done.status, code: errorCodeOf(done) }, challenges };
    verifyServerProof(done, auth, impi, c, res);
    const { btid, lifetime } = done.body as { btid?: unknown; lifetime?: unknown };
    if (typeof btid !== 'string' || typeof lifetime !== 'string') throw new NonConformance('the Authentication Server accepted the bootstrap without a B-TID and lifetime', '{"btid","lifetime"}', JSON.stringify(done.body).slice(0, 120));
    await storeBootstrapInfo(se, btid, lifetime);
    return { outcome: { kind: 'bootstrapped', btid, lifetime, resynchronised }, challenges };
  }
  throw new NonConformance('the bootstrap did not complete after one resynchronisation', 'a challenge the card accepts', 'a second synchronisation failure');
}

async function cardOk(se: SecureElementAdapter, apdu: Uint8Array, what: string): Promise<Uint8Array> {
  const r = await se.transmit(apdu);
  if (r.sw !== SW.OK) throw new NonConformance(`${what} was refused by the Secure Element`, '9000', describeSw(r.sw));
  return r.data;
}

const selectGbabp = () => encodeApdu({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x0c, data: Uint8Array.of(GBA.EF_GBABP >> 8, GBA.EF_GBABP & 0xff), le: null });

/**
 * After a bootstrap the card holds the new RAND in EF_GBABP; the terminal writes B-TID and key lifetime after it
 * (UPDATE BINARY at offset 1 + the RAND length the card stored; apdus.md 9.4).
 */
export async function storeBootstrapInfo(se: SecureElementAdapter, btid: string, lifetime: string): Promise<void> {
  await cardOk(se, selectGbabp(), 'SELECT EF_GBABP (a GBA_U card has it, TS 31.102 4.2.79)');
  const first = await cardOk(se, encodeApdu({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, data: new Uint8Array(0), le: 1 }), 'READ BINARY of EF_GBABP');
  if (first.length !== 1) throw new NonConformance('READ BINARY of one byte of EF_GBABP answered another length', '1 byte', `${first.length} bytes`);
  const offset = 1 + first[0];
  const info = encodeGbabp({ rand: new Uint8Array(0), bTid: btid, keyLifetime: lifetime }).slice(1);
  await cardOk(se, encodeApdu({ cla: 0x00, ins: GBA.INS_UPDATE_BINARY, p1: offset >> 8, p2: offset & 0xff, data: info, le: null }), 'UPDATE BINARY of B-TID and key lifetime in EF_GBABP');
}

/** EF_GBABP as the card holds it now. A file outside TS 31.102's coding is the card's non-conformance. */
export async function readGbabp(se: SecureElementAdapter): Promise<GbaBootstrapParameters> {
  await cardOk(se, selectGbabp(), 'SELECT EF_GBABP');
  const content = await cardOk(se, encodeApdu({ cla: 0x00, ins: 0xb0, p1: 0, p2: 0, data: new Uint8Array(0), le: 0 }), 'READ BINARY of EF_GBABP');
  try {
    return decodeGbabp(content);
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance('EF_GBABP is not coded as TS 31.102 4.2.79', 'RAND, B-TID, key lifetime as LV', e.message);
    throw e;
  }
}

/**
 * INSTALL RPA KEYSET (apdus.md 10) after selecting the OBF application. Returns the response data, which the
 * profile requires empty (Ks_int_NAF stays on the card); the caller judges it.
 */
export async function installRpaKeyset(se: SecureElementAdapter, nafIdBytes: Uint8Array, keyIndex: number): Promise<{ sw: number; data: Uint8Array }> {
  await selectObf(se);
  const r = await se.transmit(installRpaKeysetApdu(nafIdBytes, keyIndex));
  return { sw: r.sw, data: r.data };
}

export function swHex(sw: number): string {
  return toHex(Uint8Array.of(sw >> 8, sw & 0xff));
}

/** Another network's authentication: AUTN made with the card's own keys (the lab's test card) and a chosen SQN. */
export function foreignChallenge(keys: { k: Uint8Array; opc: Uint8Array }, sqn: Uint8Array): { rand: Uint8Array; autn: Uint8Array } {
  const rand = Uint8Array.from({ length: 16 }, (_, i) => (0x5a + i * 7) & 0xff);
  const v = makeAuthenticationVector(keys, rand, sqn, new Uint8Array(2));
  return { rand, autn: v.autn };
}
