/**
 * A beneficiary's share of the device data sealed with its NAF key (draft 6.3.1 f: "alarms ... encrypted and sent
 * only to the National Emergency Response System"). The harness plays the device's application here: AES-256-GCM
 * under Ks_(ext)_NAF, the data class as additional data, so one class cannot be passed off as another. What the
 * suite certifies is the key distribution (the card's derivation and RPO), not this envelope.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealed {
  dataClass: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export function seal(key: Uint8Array, dataClass: string, plaintext: Uint8Array): Sealed {
  if (key.length !== 32) throw new RangeError(`a NAF key is 32 bytes, got ${key.length}`);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(dataClass, 'utf8'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { dataClass, iv, ciphertext, tag: c.getAuthTag() };
}

/** The plaintext, or null when this key (or class) does not open it. */
export function open(key: Uint8Array, s: Sealed): Uint8Array | null {
  if (key.length !== 32) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', key, s.iv);
    d.setAAD(Buffer.from(s.dataClass, 'utf8'));
    d.setAuthTag(s.tag);
    return Buffer.concat([d.update(s.ciphertext), d.final()]);
  } catch {
    return null;
  }
}
