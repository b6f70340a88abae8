/**
 * Loader for the shared SCP80 (ETSI TS 102 225 / 3GPP TS 31.115) known-answer vectors,
 * ../shared/vectors/scp80-command-packets.json relative to the repository root.
 * Set OBF_VECTORS_DIR to read them from another directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../protocol/hex.ts';
import type { PacketKeys } from '../../protocol/ts-102-225.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const vectorsDir = process.env.OBF_VECTORS_DIR
  ? path.resolve(process.env.OBF_VECTORS_DIR)
  : path.resolve(repoRoot, '../shared/vectors');

export interface PorVector {
  packet: string;
  status: string;
  pcntr?: number;
  cc?: string;
  data: string;
}

export interface CommandVector {
  id: string;
  source: string;
  udh?: string;
  spi: string;
  kic: string;
  kid: string;
  tar: string;
  cntr: string;
  pcntr?: number;
  kicKey?: string;
  kidKey?: string;
  data: string;
  packet: string;
  smsTpdu?: string;
  por?: PorVector;
  notes?: string;
}

export interface ChecksumVector {
  input: string;
  value: string;
}

export interface Scp80Vectors {
  about: string;
  commandPackets: CommandVector[];
  checksums: { source: string; crc32: ChecksumVector; crc16X25: ChecksumVector };
  responseStatusCodes: Record<string, string>;
}

export const vectorsFile = path.join(vectorsDir, 'scp80-command-packets.json');
function load(): Scp80Vectors {
  let text: string;
  try {
    text = readFileSync(vectorsFile, 'utf8');
  } catch (e) {
    // Said plainly, because every vector test depends on it: CI and a fresh checkout have ../shared beside the repository.
    throw new Error(`known-answer vectors not found at ${vectorsFile} (${(e as NodeJS.ErrnoException).code}): the tests need the shared vectors folder beside the checkout (../shared/vectors), or OBF_VECTORS_DIR set to it`);
  }
  return JSON.parse(text) as Scp80Vectors;
}

export const vectors: Scp80Vectors = load();

/** The keys a vector names (undefined when it names none). */
export function keysOf(v: CommandVector): PacketKeys {
  return {
    kic: v.kicKey !== undefined ? fromHex(v.kicKey, `${v.id} kicKey`) : undefined,
    kid: v.kidKey !== undefined ? fromHex(v.kidKey, `${v.id} kidKey`) : undefined,
  };
}

export function byte(hex: string): number {
  return parseInt(hex, 16);
}

export function vectorById(id: string): CommandVector {
  const v = vectors.commandPackets.find((c) => c.id === id);
  if (!v) throw new Error(`vector '${id}' not found in ${vectorsFile}`);
  return v;
}

export const DRAFT_SAMPLE_ID = 'obf-appendix-b-sample';
export const PYSIM_AES_ID = 'pysim-aes128-ciphered-cc-counter';
