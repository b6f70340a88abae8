/**
 * Ed25519 keys of a lab (@noble/curves) in the standard PEM forms, PKCS#8 for the private key and SubjectPublicKeyInfo
 * for the public one (RFC 8410), so `openssl pkey` and other tools read them too. A key is identified by the
 * SHA-256 of its 32 raw public bytes (hex), which the package manifest records.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

// RFC 8410: the fixed DER prefixes of an Ed25519 PKCS#8 private key and SPKI public key (algorithm id 1.3.101.112).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);

function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

function unpem(text: string, label: string, prefix: Uint8Array, what: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  if (!m) throw new KeyFileError(`not an Ed25519 ${what} (expected a PEM block "BEGIN ${label}")`);
  const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (der.length !== prefix.length + 32 || !prefix.every((b, i) => der[i] === b)) throw new KeyFileError(`the ${what} is not an Ed25519 key (RFC 8410)`);
  return Uint8Array.from(der.subarray(prefix.length));
}

export function generateKeyPair(): { privatePem: string; publicPem: string; keyId: string } {
  const secret = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(secret);
  return { privatePem: pem('PRIVATE KEY', concat(PKCS8_PREFIX, secret)), publicPem: pem('PUBLIC KEY', concat(SPKI_PREFIX, pub)), keyId: keyIdOf(pub) };
}

export const readPrivateKey = (pemText: string): Uint8Array => unpem(pemText, 'PRIVATE KEY', PKCS8_PREFIX, 'private key');
export const readPublicKey = (pemText: string): Uint8Array => unpem(pemText, 'PUBLIC KEY', SPKI_PREFIX, 'public key');
export const publicKeyOf = (secret: Uint8Array): Uint8Array => ed25519.getPublicKey(secret);
export const keyIdOf = (pub: Uint8Array): string => Buffer.from(sha256(pub)).toString('hex');
export const sign = (message: Uint8Array, secret: Uint8Array): Uint8Array => ed25519.sign(message, secret);

export function verifySignature(signature: Uint8Array, message: Uint8Array, pub: Uint8Array): boolean {
  try {
    return signature.length === 64 && ed25519.verify(signature, message, pub);
  } catch {
    return false;
  }
}
