/**
 * The signed results package a lab hands to a regulator: one uncompressed ustar archive (reports/tar.ts) holding
 * manifest.json (SHA-256 and size of every other file), manifest.sig (JSON: the Ed25519 signature of manifest.json's
 * exact bytes, with the key id and manifest.json's SHA-256, which lets verify say which of the two changed) and the
 * run folder's files: certification.json/.html, junit.xml, allure-results/ (scenario evidence
 * traces included), the message stream, target.masked.yaml, capabilities.json and waivers.yaml when present.
 * allure-report/ is left out: it is generated from allure-results/. Format: docs/certification-report.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { readTar, writeTar, type TarEntry } from './tar.ts';
import { keyIdOf, publicKeyOf, sign, verifySignature } from './signing.ts';

export const PACKAGE_FORMAT = 'obf-conformance/results-package';
export const PACKAGE_VERSION = 1;
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
/** Folders of a run that are not packaged (regenerated from what is). */
const LEFT_OUT = new Set(['allure-report']);

export interface SignatureFile { algorithm: 'Ed25519'; keyId: string; manifestSha256: string; signature: string }
export interface ManifestFile { path: string; size: number; sha256: string }
export interface Manifest {
  format: typeof PACKAGE_FORMAT;
  version: typeof PACKAGE_VERSION;
  createdAt: string;
  signer: { algorithm: 'Ed25519'; keyId: string };
  run: { verdict: string | null; certificate: string | null; sut: string | null; suiteCommit: string | null };
  files: ManifestFile[];
}

/** A run folder that must not be packaged as it is (a private key inside it, nothing to package). */
export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function filesOf(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = dir ? `${dir}/${d.name}` : d.name;
    if (d.isDirectory()) return dir === '' && LEFT_OUT.has(d.name) ? [] : filesOf(root, rel);
    if (d.isFile()) return [rel];
    throw new PackageError(`${rel} in the run folder is neither a file nor a folder (a link?); packages hold regular files only`);
  }).sort();
}

export function buildPackage(runDir: string, secretKey: Uint8Array, now = new Date()): { archive: Uint8Array; manifest: Manifest } {
  const paths = filesOf(runDir);
  if (!paths.includes('certification.json')) throw new PackageError(`${runDir} holds no certification.json: package a folder written by 'obf-conformance run' or 'merge'`);
  const entries: TarEntry[] = paths.map((p) => ({ path: p, data: readFileSync(path.join(runDir, p)) }));
  for (const e of entries) {
    if (p_isManifest(e.path)) throw new PackageError(`the run folder already holds ${e.path}; package the run folder, not an unpacked package`);
    if (/PRIVATE KEY-----/.test(Buffer.from(e.data.subarray(0, 1 << 20)).toString('latin1'))) throw new PackageError(`${e.path} in the run folder holds a private key; move it out before packaging`);
  }
  let cert: { verdict?: string; certificate?: { status?: string }; sut?: { name?: string }; suite?: { commit?: string | null } } = {};
  try {
    cert = JSON.parse(readFileSync(path.join(runDir, 'certification.json'), 'utf8'));
  } catch {
    throw new PackageError(`${path.join(runDir, 'certification.json')} is not JSON`);
  }
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    createdAt: now.toISOString(),
    signer: { algorithm: 'Ed25519', keyId: keyIdOf(publicKeyOf(secretKey)) },
    run: { verdict: cert.verdict ?? null, certificate: cert.certificate?.status ?? null, sut: cert.sut?.name ?? null, suiteCommit: cert.suite?.commit ?? null },
    files: entries.map((e) => ({ path: e.path, size: e.data.length, sha256: hex(sha256(e.data)) })),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
  const sigFile: SignatureFile = {
    algorithm: 'Ed25519', keyId: manifest.signer.keyId, manifestSha256: hex(sha256(manifestBytes)),
    signature: Buffer.from(sign(manifestBytes, secretKey)).toString('base64'),
  };
  const signature = new TextEncoder().encode(JSON.stringify(sigFile, null, 2) + '\n');
  const archive = writeTar([{ path: MANIFEST, data: manifestBytes }, { path: SIGNATURE, data: signature }, ...entries], Math.floor(now.getTime() / 1000));
  return { archive, manifest };
}

const p_isManifest = (p: string) => p === MANIFEST || p === SIGNATURE;

export interface VerifyOutcome {
  ok: boolean;
  /** One line per finding, each naming the file concerned. Empty when ok. */
  problems: string[];
  manifest: Manifest | null;
  /** Files whose digest and size match the signed manifest. */
  verified: number;
}

export function verifyPackage(archive: Uint8Array, publicKey: Uint8Array): VerifyOutcome {
  const problems: string[] = [];
  const { entries, damage } = readTar(archive);
  for (const d of damage) problems.push(`damaged archive at byte ${d.offset}${d.entry ? ` (in or after file ${d.entry})` : ''}: ${d.message}`);
  const byPath = new Map<string, Uint8Array>();
  for (const e of entries) {
    if (byPath.has(e.path)) problems.push(`${e.path}: appears twice in the package`);
    byPath.set(e.path, e.data);
  }
  const manifestBytes = byPath.get(MANIFEST);
  const sigText = byPath.get(SIGNATURE);
  let manifest: Manifest | null = null;
  if (!manifestBytes) problems.push(`${MANIFEST}: missing from the package`);
  if (!sigText) problems.push(`${SIGNATURE}: missing from the package`);
  if (manifestBytes && sigText) {
    let sigFile: Partial<SignatureFile> = {};
    try {
      sigFile = JSON.parse(new TextDecoder().decode(sigText)) as SignatureFile;
    } catch {
      problems.push(`${SIGNATURE}: changed (not JSON any more)`);
    }
    try {
      manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
    } catch {
      manifest = null;
    }
    const givenId = keyIdOf(publicKey);
    const sig = Buffer.from(typeof sigFile.signature === 'string' ? sigFile.signature : '', 'base64');
    const valid = verifySignature(sig, manifestBytes, publicKey);
    // Every byte of manifest.sig counts: it must be exactly what package writes for this manifest, key and signature.
    const canonical = JSON.stringify({ algorithm: 'Ed25519', keyId: givenId, manifestSha256: hex(sha256(manifestBytes)), signature: sig.toString('base64') }, null, 2) + '\n';
    if (valid && Buffer.compare(Buffer.from(canonical), Buffer.from(sigText)) !== 0) problems.push(`${SIGNATURE}: changed (the signature verifies, but the file is not the one package wrote)`);
    if (!valid) {
      // The signature alone decides; the digest and key id in manifest.sig only say which file to name.
      if (sigFile.manifestSha256 !== undefined && sigFile.manifestSha256 !== hex(sha256(manifestBytes))) problems.push(`${MANIFEST}: changed (its SHA-256 is not the one signed; the signature does not verify)`);
      else if (sigFile.keyId !== undefined && sigFile.keyId !== givenId) problems.push(`${SIGNATURE}: signed with another key (key id ${String(sigFile.keyId).slice(0, 16)}..., the given public key is ${givenId.slice(0, 16)}...), or changed`);
      else if (problems.every((p) => !p.startsWith(SIGNATURE))) problems.push(`${SIGNATURE}: changed (the signature does not verify with the given public key)`);
    }
    if (manifest === null) problems.push(`${MANIFEST}: not JSON (changed)`);
    else if (manifest.format !== PACKAGE_FORMAT || manifest.version !== PACKAGE_VERSION || !Array.isArray(manifest.files)) {
      problems.push(`${MANIFEST}: not a ${PACKAGE_FORMAT} version ${PACKAGE_VERSION} manifest`);
      manifest = null;
    }
  }
  let verified = 0;
  if (manifest) {
    const listed = new Set<string>();
    for (const f of manifest.files) {
      listed.add(f.path);
      const data = byPath.get(f.path);
      if (!data) {
        problems.push(`${f.path}: missing from the package (listed in the manifest)`);
        continue;
      }
      const digest = hex(sha256(data));
      if (digest !== f.sha256 || data.length !== f.size) problems.push(`${f.path}: changed (sha256 ${digest.slice(0, 16)}..., ${data.length} bytes; the manifest says ${String(f.sha256).slice(0, 16)}..., ${f.size} bytes)`);
      else verified++;
    }
    for (const p of byPath.keys()) if (!listed.has(p) && !p_isManifest(p)) problems.push(`${p}: added (not in the signed manifest)`);
  }
  return { ok: problems.length === 0, problems, manifest, verified };
}
