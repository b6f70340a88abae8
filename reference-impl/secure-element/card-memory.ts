/**
 * The reference card's non-volatile memory as a file (issue 7 item 3): what a UICC keeps across power cycles (its
 * keysets, the last command counter accepted and the uplink counter per key index, B.2.2.2.1 and B.2.2.2.2; for
 * GBA, SQN_MS, Ks with its RAND and EF_GBABP, TS 33.220 G.1) as one JSON image. Every change is written atomically
 * before the response APDU leaves the card: a temporary file is written and fsynced, renamed over the image, and the
 * folder fsynced, so a crash leaves either the old image or the new one, never a mix and never an older counter
 * once the response was seen. The image holds keys in clear (mode 0600): a test card's choice; a real card keeps
 * them in its secure memory.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { KeyAlgorithm, KeySet } from '../../protocol/obf-profile.ts';
import { KEY_ALGORITHMS } from '../../protocol/obf-profile.ts';
import { fromHex, toHex } from '../../protocol/hex.ts';

/** The GBA part of the image (gba.ts). */
export interface GbaMemory {
  sqnMs: string;
  bootstrapped: { ks: string; rand: string } | null;
  gbabp: string;
}

export interface CardImage {
  format: 'obf-reference-card/1';
  iccid: string;
  decryptionKeys: Record<string, { algorithm: KeyAlgorithm; kic: string; kid: string }>;
  encryptionKeys: Record<string, { algorithm: KeyAlgorithm; kic: string; kid: string }>;
  /** Decimal strings (5-byte counters exceed no double, but stay exact as text). */
  lastAcceptedCounter: Record<string, string>;
  uplinkCounter: Record<string, string>;
  gba: (GbaMemory & { k: string; opc: string; impi: string }) | null;
}

/** A card image file that cannot be used: unreadable, not an image, another card's. */
export class CardMemoryError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`cannot use '${file}' as the card's memory: ${reason}`);
    this.name = 'CardMemoryError';
  }
}

export const keysToImage = (keys: Record<number, KeySet>): CardImage['decryptionKeys'] =>
  Object.fromEntries(Object.entries(keys).map(([i, k]) => [i, { algorithm: k.algorithm, kic: toHex(k.kic), kid: toHex(k.kid) }]));

export function keysFromImage(file: string, keys: unknown): Record<number, KeySet> {
  if (typeof keys !== 'object' || keys === null) throw new CardMemoryError(file, 'keysets missing');
  const out: Record<number, KeySet> = {};
  for (const [i, k] of Object.entries(keys as Record<string, { algorithm?: unknown; kic?: unknown; kid?: unknown }>)) {
    const index = Number(i);
    if (!Number.isInteger(index) || index < 1 || index > 15 || !KEY_ALGORITHMS.includes(k.algorithm as KeyAlgorithm) || typeof k.kic !== 'string' || typeof k.kid !== 'string') {
      throw new CardMemoryError(file, `keyset ${i} is malformed`);
    }
    out[index] = { algorithm: k.algorithm as KeyAlgorithm, kic: fromHex(k.kic), kid: fromHex(k.kid) };
  }
  return out;
}

/** The personalisation a stored card carries: its ICCID, keysets and GBA subscription. */
export function personalisationFromImage(file: string, image: CardImage): { iccid: string; decryptionKeys: Record<number, KeySet>; encryptionKeys: Record<number, KeySet>; gba?: { k: Uint8Array; opc: Uint8Array; impi: string } } {
  return {
    iccid: image.iccid,
    decryptionKeys: keysFromImage(file, image.decryptionKeys),
    encryptionKeys: keysFromImage(file, image.encryptionKeys),
    ...(image.gba ? { gba: { k: fromHex(image.gba.k), opc: fromHex(image.gba.opc), impi: image.gba.impi } } : {}),
  };
}

export function countersFromImage(file: string, counters: unknown): Map<number, bigint> {
  if (typeof counters !== 'object' || counters === null) throw new CardMemoryError(file, 'counters missing');
  const out = new Map<number, bigint>();
  for (const [i, v] of Object.entries(counters as Record<string, unknown>)) {
    if (typeof v !== 'string' || !/^\d{1,13}$/.test(v)) throw new CardMemoryError(file, `counter ${i} is malformed`);
    out.set(Number(i), BigInt(v));
  }
  return out;
}

export class CardMemoryFile {
  private last = '';

  constructor(readonly file: string) {}

  /** The stored image, or null when the file does not exist yet (a fresh card). */
  read(): CardImage | null {
    if (!existsSync(this.file)) return null;
    let image: CardImage;
    try {
      image = JSON.parse(readFileSync(this.file, 'utf8')) as CardImage;
    } catch (e) {
      throw new CardMemoryError(this.file, e instanceof SyntaxError ? 'it is not a card image (JSON)' : (e as Error).message);
    }
    if (image?.format !== 'obf-reference-card/1') throw new CardMemoryError(this.file, "it is not a card image (format 'obf-reference-card/1')");
    this.last = JSON.stringify(image);
    return image;
  }

  /** Write the image if it changed; on return it is on disk. */
  write(image: CardImage): void {
    const text = JSON.stringify(image);
    if (text === this.last) return;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    // The rename itself is durable only once the folder is.
    const dir = openSync(path.dirname(path.resolve(this.file)), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    this.last = text;
  }
}
