/**
 * A minimal POSIX ustar writer and a strict reader for results packages: regular files only, no compression, so
 * any `tar` can list and extract a package, and so a changed byte stays where it was (a gzip stream would turn it
 * into an unreadable archive without a file name). The reader checks every header checksum, that padding and the
 * end-of-archive blocks are zero and that nothing follows, and says where a damage lies.
 */

const BLOCK = 512;

export interface TarEntry { path: string; data: Uint8Array }
export interface TarDamage { offset: number; entry: string | null; message: string }

function writeField(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new Error(`tar: '${text}' does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');

/** Splits a path into ustar prefix (155) and name (100) at a '/'. */
function splitPath(p: string): { prefix: string; name: string } {
  const len = new TextEncoder().encode(p).length;
  if (len <= 100) return { prefix: '', name: p };
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(name).length <= 100) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${p}`);
}

function header(path: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { prefix, name } = splitPath(path);
  writeField(h, 0, 100, name);
  writeField(h, 100, 8, `${octal(0o644, 8)}`);
  writeField(h, 108, 8, octal(0, 8));
  writeField(h, 116, 8, octal(0, 8));
  writeField(h, 124, 12, octal(size, 12));
  writeField(h, 136, 12, octal(mtime, 12));
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = 0x30; // '0': regular file
  writeField(h, 257, 6, 'ustar');
  writeField(h, 263, 2, '00');
  writeField(h, 345, 155, prefix);
  const sum = h.reduce((a, b) => a + b, 0);
  writeField(h, 148, 8, `${octal(sum, 7)}\0`);
  return h;
}

export function writeTar(entries: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Uint8Array {
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const e of entries) {
    out.set(header(e.path, e.data.length, mtime), at);
    at += BLOCK;
    out.set(e.data, at);
    at += Math.ceil(e.data.length / BLOCK) * BLOCK;
  }
  return out; // the two zero blocks at the end are already zero
}

const text = (b: Uint8Array, offset: number, length: number) => {
  const slice = b.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end < 0 ? slice : slice.subarray(0, end));
};

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

/** Reads every entry it can; stops at the first damaged header (the rest cannot be located reliably). */
export function readTar(archive: Uint8Array): { entries: TarEntry[]; damage: TarDamage[] } {
  const entries: TarEntry[] = [];
  const damage: TarDamage[] = [];
  let at = 0;
  while (at + BLOCK <= archive.length) {
    const h = archive.subarray(at, at + BLOCK);
    if (isZero(h)) {
      const rest = archive.subarray(at);
      const firstNonZero = rest.findIndex((x) => x !== 0);
      if (firstNonZero >= 0) damage.push({ offset: at + firstNonZero, entry: entries.at(-1)?.path ?? null, message: 'non-zero byte after the end of the archive' });
      else if (rest.length < 2 * BLOCK) damage.push({ offset: at, entry: null, message: 'the end-of-archive blocks are cut short' });
      return { entries, damage };
    }
    const name = [text(h, 345, 155), text(h, 0, 100)].filter(Boolean).join('/');
    const stored = parseInt(text(h, 148, 8).trim(), 8);
    const copy = Uint8Array.from(h);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((a, b) => a + b, 0);
    if (stored !== sum) {
      damage.push({ offset: at, entry: name || null, message: `header of entry '${name}' is damaged (checksum ${Number.isNaN(stored) ? 'unreadable' : stored} stored, ${sum} computed)` });
      return { entries, damage };
    }
    const type = String.fromCharCode(h[156] || 0x30);
    const size = parseInt(text(h, 124, 12).trim(), 8);
    if (type !== '0' || Number.isNaN(size) || text(h, 257, 6) !== 'ustar') {
      damage.push({ offset: at, entry: name, message: `entry '${name}' is not a regular ustar file (type '${type}')` });
      return { entries, damage };
    }
    const start = at + BLOCK;
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (start + padded > archive.length) {
      damage.push({ offset: at, entry: name, message: `entry '${name}' is cut short (${size} bytes announced)` });
      return { entries, damage };
    }
    entries.push({ path: name, data: archive.slice(start, start + size) });
    const padding = archive.subarray(start + size, start + padded);
    const bad = padding.findIndex((x) => x !== 0);
    if (bad >= 0) damage.push({ offset: start + size + bad, entry: name, message: `the padding after entry '${name}' is not zero` });
    at = start + padded;
  }
  damage.push({ offset: at, entry: null, message: 'the archive has no end-of-archive blocks (cut short?)' });
  return { entries, damage };
}
