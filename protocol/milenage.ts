/**
 * 3GPP TS 35.206 MILENAGE: the authentication and key generation functions f1, f1*, f2, f3, f4, f5, f5* built on
 * AES-128 (the kernel E_K), and OPc from OP. Known answers: TS 35.208 test sets (../shared/vectors/milenage.json).
 * Constants r1..r5 (rotations) and c1..c5 as TS 35.206 clause 4.1 sets them.
 */
import { ecb } from '@noble/ciphers/aes.js';
import { HexFormatError } from './errors.ts';

const R = [64, 0, 32, 64, 96] as const; // r1..r5 in bits
const C = [0x00, 0x01, 0x02, 0x04, 0x08] as const; // last byte of c1..c5 (all other bits zero)

function need(value: Uint8Array, length: number, name: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new HexFormatError(`${name} must be ${length} bytes, got ${value?.length ?? 0}`, String(length), String(value?.length ?? 0));
  }
}

function encrypt(k: Uint8Array, block: Uint8Array): Uint8Array {
  return ecb(k, { disablePadding: true }).encrypt(block);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

/** Cyclic left rotation of a 128-bit block by a multiple of 8 bits. */
function rotate(block: Uint8Array, bits: number): Uint8Array {
  const by = bits / 8;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = block[(i + by) % 16];
  return out;
}

/** OPc = E_K(OP) xor OP (TS 35.206 4.1). */
export function computeOpc(k: Uint8Array, op: Uint8Array): Uint8Array {
  need(k, 16, 'K');
  need(op, 16, 'OP');
  return xor(encrypt(k, op), op);
}

export interface MilenageOutput {
  /** f1: network authentication code MAC-A (8 bytes). */
  macA: Uint8Array;
  /** f1*: resynchronisation authentication code MAC-S (8 bytes). */
  macS: Uint8Array;
  /** f2: RES (8 bytes). */
  res: Uint8Array;
  /** f3: CK (16 bytes). */
  ck: Uint8Array;
  /** f4: IK (16 bytes). */
  ik: Uint8Array;
  /** f5: AK (6 bytes). */
  ak: Uint8Array;
  /** f5*: AK for resynchronisation (6 bytes). */
  akStar: Uint8Array;
}

/** All seven functions for one RAND, SQN and AMF (TS 35.206 4.1). */
export function milenage(k: Uint8Array, opc: Uint8Array, rand: Uint8Array, sqn: Uint8Array, amf: Uint8Array): MilenageOutput {
  need(k, 16, 'K');
  need(opc, 16, 'OPc');
  need(rand, 16, 'RAND');
  need(sqn, 6, 'SQN');
  need(amf, 2, 'AMF');
  const temp = encrypt(k, xor(rand, opc));
  const in1 = new Uint8Array(16);
  in1.set(sqn, 0);
  in1.set(amf, 6);
  in1.set(sqn, 8);
  in1.set(amf, 14);
  const out = (i: number, input: Uint8Array) => {
    const block = rotate(xor(input, opc), R[i]);
    block[15] ^= C[i];
    return xor(encrypt(k, xor(temp, block)), opc);
  };
  // OUT1 takes TEMP xor rot(IN1 xor OPc, r1) xor c1; OUT2..5 take rot(TEMP xor OPc, ri) xor ci.
  const out1 = out(0, in1);
  const rest = (i: number) => {
    const block = rotate(xor(temp, opc), R[i]);
    block[15] ^= C[i];
    return xor(encrypt(k, block), opc);
  };
  const out2 = rest(1);
  const out3 = rest(2);
  const out4 = rest(3);
  const out5 = rest(4);
  return {
    macA: out1.slice(0, 8),
    macS: out1.slice(8, 16),
    res: out2.slice(8, 16),
    ak: out2.slice(0, 6),
    ck: out3,
    ik: out4,
    akStar: out5.slice(0, 6),
  };
}
