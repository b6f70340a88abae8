/**
 * Replay protection of ETSI TS 102 225 clause 5.1.1 (SPI b5b4) and the response status codes of
 * clause 5.2.2 (Proof of Receipt). Pure: the caller keeps the stored counter.
 */
import type { CounterMode } from './ts-102-225-coding.ts';

export const CNTR_MAX = (1n << 40n) - 1n;

/** TS 102 225 5.2.2 response status codes. */
export const POR_STATUS = {
  0x00: 'PoR OK',
  0x01: 'RC/CC/DS failed',
  0x02: 'CNTR low',
  0x03: 'CNTR high',
  0x04: 'CNTR blocked',
  0x05: 'ciphering error',
  0x06: 'unidentified security error',
  0x07: 'insufficient memory',
  0x08: 'more time',
  0x09: 'TAR unknown',
  0x0a: 'insufficient security level',
  0x0b: 'response data to be sent using SMS-SUBMIT',
  0x0c: 'response data to be sent using a PROCESS UNSTRUCTURED SS request',
} as const;

export type PorStatusCode = keyof typeof POR_STATUS;

export function describePorStatus(code: number): string {
  return (POR_STATUS as Record<number, string>)[code] ?? `reserved status 0x${code.toString(16).padStart(2, '0')}`;
}

export type CounterVerdict = 'accept' | 'low' | 'high' | 'blocked';

/**
 * Decide whether a received CNTR may be processed, given the last counter accepted for that key.
 * 'higher': only a value above the stored one; 'one-higher': exactly the next value (TS 102 225 5.1.1).
 * A stored counter at its maximum blocks the key (status 04).
 */
export function checkCounter(mode: CounterMode, received: bigint, lastAccepted: bigint): CounterVerdict {
  if (mode === 'none' || mode === 'no-check') return 'accept';
  if (lastAccepted >= CNTR_MAX) return 'blocked';
  if (received <= lastAccepted) return 'low';
  if (mode === 'one-higher' && received !== lastAccepted + 1n) return 'high';
  return 'accept';
}

export function counterStatus(v: CounterVerdict): PorStatusCode {
  return v === 'accept' ? 0x00 : v === 'low' ? 0x02 : v === 'high' ? 0x03 : 0x04;
}
