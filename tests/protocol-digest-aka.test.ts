/**
 * HTTP Digest (RFC 2617) and Digest AKA (RFC 3310). Known answer: the worked example of RFC 2617 section 3.5
 * (user Mufasa, password "Circle Of Life", response 6629fae49393a05397450978507c4ef1), then AKA nonces and
 * header parsing, including malformed headers as typed errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { akaNonce, digestResponse, DigestFormatError, formatDigestHeader, parseAkaNonce, parseDigestHeader, verifyDigest } from '../protocol/rfc-3310-digest-aka.ts';

const RFC2617 = { username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', nc: '00000001', cnonce: '0a4f113b', qop: 'auth' as const };

test('RFC 2617 section 3.5 worked example', () => {
  assert.equal(digestResponse(RFC2617), '6629fae49393a05397450978507c4ef1');
});

test('the example parsed back from its Authorization header verifies, and fails with another password', () => {
  const header = 'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
  const p = parseDigestHeader(header);
  assert.equal(p.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  assert.equal(verifyDigest(p, { password: 'Circle Of Life', method: 'GET' }), true);
  assert.equal(verifyDigest(p, { password: 'circle of life', method: 'GET' }), false);
  assert.equal(verifyDigest(p, { password: 'Circle Of Life', method: 'POST' }), false);
});

test('format then parse round-trips, with quotes and backslashes escaped', () => {
  const params = { realm: 'a "quoted" \\ realm', nonce: 'n', algorithm: 'AKAv1-MD5', qop: 'auth' };
  assert.deepEqual(parseDigestHeader(formatDigestHeader(params)), params);
});

test('AKA nonce is base64(RAND || AUTN) and parses back', () => {
  const rand = Uint8Array.from({ length: 16 }, (_, i) => i);
  const autn = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + (i % 16));
  const { rand: r, autn: a } = parseAkaNonce(akaNonce(rand, autn));
  assert.deepEqual([...r], [...rand]);
  assert.deepEqual([...a], [...autn]);
});

test('RES as raw bytes is the AKA password', () => {
  const res = Uint8Array.from([0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf]);
  const d = { ...RFC2617, password: res };
  assert.notEqual(digestResponse(d), digestResponse({ ...d, password: Buffer.from(res).toString('hex') }));
});

for (const [name, header] of [
  ['not Digest', 'Basic abc'],
  ['unterminated quote', 'Digest realm="abc'],
  ['missing value', 'Digest realm'],
  ['duplicate parameter', 'Digest realm="a", realm="b"'],
  ['garbage between parameters', 'Digest realm="a" nonce="b"'],
  ['too long', 'Digest ' + 'a=b, '.repeat(2000)],
] as const) {
  test(`malformed header (${name}) is a DigestFormatError`, () => assert.throws(() => parseDigestHeader(header), DigestFormatError));
}

test('a short or non-base64 AKA nonce is a DigestFormatError', () => {
  assert.throws(() => parseAkaNonce(Buffer.alloc(31).toString('base64')), DigestFormatError);
  assert.throws(() => parseAkaNonce('!!!!'), DigestFormatError);
});

test('an Authorization without required parameters is a DigestFormatError', () => {
  assert.throws(() => verifyDigest({ username: 'u' }, { password: 'p', method: 'GET' }), DigestFormatError);
});
