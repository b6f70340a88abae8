/**
 * What a fuzz target is, and the generators the targets share. A target names one interface, opens it (servers
 * are started once per target, not per case), and gives a fast-check property that holds when the interface ends
 * every case in a result or one of its documented, typed errors: anything else (another exception, a 500 or
 * internal-error status word, a hang past the case timeout) is a finding. scripts/fuzz.ts runs every target with
 * 100,000 cases; tests/fuzz-*.test.ts run each with a small seeded count (issue 7 item 1).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { fromHex } from '../../protocol/hex.ts';
import type { PacketKeys } from '../../protocol/ts-102-225.ts';

// The case type is the target's own business; the runner only runs the property.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCase = any;

export type AnyProperty = fc.IProperty<AnyCase> | fc.IAsyncProperty<AnyCase>;

export interface OpenTarget {
  property: AnyProperty;
  close?: () => Promise<void> | void;
}

export interface FuzzTarget {
  /** Short name, printed with the counts ("packet decoder", "Application Server HTTP"). */
  name: string;
  /** Cases `npm test` runs (seeded): small, the machine is shared. `npm run fuzz` runs 100,000 unless told. */
  ciRuns: number;
  /** Longest a single case may take before it counts as a hang (ms): generous, the machines are shared and loaded. */
  caseTimeoutMs: number;
  open(): Promise<OpenTarget> | OpenTarget;
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS_DIR = process.env.OBF_VECTORS_DIR ? path.resolve(process.env.OBF_VECTORS_DIR) : path.resolve(ROOT, '../shared/vectors');

export interface SeedPacket {
  id: string;
  packet: Uint8Array;
  keys: PacketKeys;
}

/** The shared TS 102 225 vectors (../shared/vectors/scp80-command-packets.json): seeds for mutation. */
export function seedPackets(): SeedPacket[] {
  const file = JSON.parse(readFileSync(path.join(VECTORS_DIR, 'scp80-command-packets.json'), 'utf8')) as {
    commandPackets: { id: string; udh?: string; packet: string; kicKey?: string; kidKey?: string }[];
  };
  return file.commandPackets.map((v) => ({
    id: v.id,
    packet: fromHex((v.udh ?? '') + v.packet),
    keys: { ...(v.kicKey ? { kic: fromHex(v.kicKey) } : {}), ...(v.kidKey ? { kid: fromHex(v.kidKey) } : {}) },
  }));
}

/** One edit of a byte string: flip bits, set a byte, insert, delete, truncate, extend, duplicate a slice. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  const at = 'at' in m ? (n === 0 ? 0 : m.at % (n + (m.op === 'insert' ? 1 : 0))) : 0;
  switch (m.op) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[at] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[at] = m.value;
      return out;
    }
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    case 'delete':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.count)]);
    case 'truncate':
      return bytes.slice(0, at);
    case 'extend':
      return Uint8Array.from([...bytes, ...m.bytes]);
    case 'duplicate':
      return Uint8Array.from([...bytes.subarray(0, at + m.count), ...bytes.subarray(at, at + m.count), ...bytes.subarray(at + m.count)]);
  }
}

/** A seed with 1 to 4 edits, with the length fields (CPL) repaired half of the time so the deeper checks are reached. */
export function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([seed, edits, fixLength]) => {
    let bytes = edits.reduce(apply, seed);
    if (fixLength) bytes = withCpl(bytes);
    return bytes;
  });
}

/** Rewrite CPL (after an optional 02 70 00 / 02 71 00 header) to the length actually present. */
export function withCpl(bytes: Uint8Array): Uint8Array {
  const udh = bytes.length >= 3 && bytes[0] === 0x02 && (bytes[1] === 0x70 || bytes[1] === 0x71) && bytes[2] === 0x00 ? 3 : 0;
  if (bytes.length < udh + 2) return bytes;
  const out = bytes.slice();
  const len = Math.min(0xffff, out.length - udh - 2);
  out[udh] = len >> 8;
  out[udh + 1] = len & 0xff;
  return out;
}

/** Random bytes, mostly short, sometimes up to `max`. */
export function randomBytes(max = 300): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: max }) });
}

/** Thrown by a property when a case ended outside the interface's documented outcomes. */
export class FuzzFinding extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzFinding';
  }
}

export function finding(condition: boolean, message: () => string): void {
  if (!condition) throw new FuzzFinding(message());
}

/** Rethrow anything that is not one of the listed error classes (the interface's documented errors). */
export function onlyTyped(e: unknown, allowed: (abstract new (...args: never[]) => Error)[], where: string): void {
  if (allowed.some((cls) => e instanceof cls)) return;
  throw new FuzzFinding(`${where}: undocumented ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
}
