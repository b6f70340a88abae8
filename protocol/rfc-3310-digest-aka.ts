/**
 * HTTP Digest authentication (RFC 2617) with the AKA algorithm of RFC 3310, the Ub / RPB exchange of GBA
 * (3GPP TS 24.109): the server's challenge carries nonce = base64(RAND || AUTN [|| server data]); the client
 * answers with RES as the Digest password, or with auts="base64(AUTS)" and an empty password to resynchronise.
 * The same Digest computation serves RPA (Ua, TS 33.222) with the B-TID as user name and base64(Ks_NAF) as password.
 */
import { createHash } from 'node:crypto';
import { ProtocolError } from './errors.ts';
import { concatBytes } from './hex.ts';

export class DigestFormatError extends ProtocolError {
  readonly code = 'DIGEST_FORMAT';
}

export const AKA_ALGORITHM = 'AKAv1-MD5';

/** Parse `Digest a=b, c="d, e"`: the scheme and its parameters (names lower-cased; quoted values unescaped). */
export function parseDigestHeader(value: string): Record<string, string> {
  if (typeof value !== 'string' || value.length > 8192) throw new DigestFormatError('Digest header missing or longer than 8192 characters');
  const m = /^\s*Digest\s+/i.exec(value);
  if (!m) throw new DigestFormatError(`not a Digest header: '${value.slice(0, 40)}'`, 'Digest ...', value.slice(0, 40));
  const params: Record<string, string> = {};
  let i = m[0].length;
  while (i < value.length) {
    const name = /^\s*([A-Za-z0-9_-]+)\s*=\s*/.exec(value.slice(i));
    if (!name) throw new DigestFormatError(`expected name=value at character ${i} of the Digest header`);
    i += name[0].length;
    let v = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        v += value[i++];
      }
      if (value[i] !== '"') throw new DigestFormatError(`unterminated quoted value of '${name[1]}' in the Digest header`);
      i++;
    } else {
      const token = /^[^\s,]*/.exec(value.slice(i))![0];
      v = token;
      i += token.length;
    }
    const key = name[1].toLowerCase();
    if (Object.hasOwn(params, key)) throw new DigestFormatError(`parameter '${key}' appears twice in the Digest header`);
    params[key] = v;
    const sep = /^\s*(,|$)\s*/.exec(value.slice(i));
    if (!sep) throw new DigestFormatError(`expected ',' after '${name[1]}' in the Digest header`);
    i += sep[0].length;
  }
  return params;
}

const quote = (v: string) => `"${v.replace(/(["\\])/g, '\\$1')}"`;

export function formatDigestHeader(params: Record<string, string>, unquoted: string[] = ['algorithm', 'qop', 'nc', 'stale']): string {
  return 'Digest ' + Object.entries(params).map(([k, v]) => `${k}=${unquoted.includes(k) ? v : quote(v)}`).join(', ');
}

export function akaNonce(rand: Uint8Array, autn: Uint8Array, serverData: Uint8Array = new Uint8Array(0)): string {
  return Buffer.from(concatBytes(rand, autn, serverData)).toString('base64');
}

export function parseAkaNonce(nonce: string): { rand: Uint8Array; autn: Uint8Array } {
  const bytes = Uint8Array.from(Buffer.from(nonce, 'base64'));
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(nonce) || bytes.length < 32) {
    throw new DigestFormatError(`the AKA nonce must be base64 of RAND (16) || AUTN (16) [|| server data], got ${bytes.length} bytes`, '>= 32 bytes', String(bytes.length));
  }
  return { rand: bytes.slice(0, 16), autn: bytes.slice(16, 32) };
}

const md5 = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('md5');
  parts.forEach((p, i) => {
    if (i > 0) h.update(':');
    h.update(p);
  });
  return h.digest('hex');
};

export interface DigestInput {
  username: string;
  realm: string;
  /** RES for AKA (raw bytes), empty for a resynchronisation; base64(Ks_NAF) for Ua. */
  password: Uint8Array | string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
  qop: 'auth';
}

/** request-digest of RFC 2617 3.2.2.1 with qop=auth. */
export function digestResponse(d: DigestInput): string {
  const ha1 = md5(d.username, d.realm, d.password);
  const ha2 = md5(d.method, d.uri);
  return md5(ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2);
}

/** Check an Authorization header's response against the password the server expects (constant-time compare). */
export function verifyDigest(params: Record<string, string>, expected: { password: Uint8Array | string; method: string }): boolean {
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response', 'nc', 'cnonce', 'qop']) {
    if (typeof params[k] !== 'string') throw new DigestFormatError(`Authorization lacks '${k}'`);
  }
  if (params.qop !== 'auth') throw new DigestFormatError(`qop must be 'auth', got '${params.qop.slice(0, 20)}'`);
  const want = digestResponse({ username: params.username, realm: params.realm, password: expected.password, method: expected.method, uri: params.uri, nonce: params.nonce, nc: params.nc, cnonce: params.cnonce, qop: 'auth' });
  const got = params.response.toLowerCase();
  if (got.length !== want.length) return false;
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff |= want.charCodeAt(i) ^ got.charCodeAt(i);
  return diff === 0;
}
