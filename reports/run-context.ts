/**
 * What a run folder says about the system under test beyond the message stream: `capabilities.json` (declared
 * capabilities and SUT identity) and `target.masked.yaml` (the target file, secrets masked), both written by
 * `run --target`. A reference run has neither; the reports then show the reference implementation's identity and
 * "all capabilities of the reference". The contract is in docs/certification-report.md ("Target and capabilities").
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CAPABILITIES_FILE = 'capabilities.json';
export const TARGET_MASKED_FILE = 'target.masked.yaml';

export interface SutIdentity { vendor: string; product: string; version: string; iccidRange: string | null; serverUrl: string | null }

export interface Capabilities {
  /** 'target': declared in the target file; 'reference': the bundled reference, which offers every capability. */
  source: 'target' | 'reference';
  declared: Record<string, boolean | string>;
}

export interface RunContext { identity: SutIdentity | null; capabilities: Capabilities | null; targetFile: string | null; problems: string[] }

export function referenceIdentity(version: string): SutIdentity {
  return { vendor: 'obf-conformance project', product: 'OBF reference implementation', version, iccidRange: null, serverUrl: null };
}

export const REFERENCE_CAPABILITIES: Capabilities = { source: 'reference', declared: {} };

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** Reads capabilities.json and target.masked.yaml from a run folder. Malformed content becomes a problem (a harness fault), never a throw. */
export function readRunContext(runDir: string): RunContext {
  const problems: string[] = [];
  let identity: SutIdentity | null = null;
  let capabilities: Capabilities | null = null;
  const capFile = path.join(runDir, CAPABILITIES_FILE);
  if (existsSync(capFile)) {
    try {
      const doc = JSON.parse(readFileSync(capFile, 'utf8')) as { declared?: unknown; sut?: Record<string, unknown> };
      const declared: Record<string, boolean | string> = {};
      if (typeof doc.declared !== 'object' || doc.declared === null || Array.isArray(doc.declared)) throw new Error("'declared' is not an object");
      for (const [k, v] of Object.entries(doc.declared as Record<string, unknown>)) {
        if (typeof v !== 'boolean' && typeof v !== 'string') throw new Error(`declared.${k} is neither true/false nor text`);
        declared[k] = v;
      }
      capabilities = { source: 'target', declared };
      const sut = doc.sut ?? {};
      const [vendor, product, version] = [str(sut.vendor), str(sut.product), str(sut.version)];
      if (!vendor || !product || !version) throw new Error('sut.vendor, sut.product and sut.version are required');
      identity = { vendor, product, version, iccidRange: str(sut.iccidRange), serverUrl: str(sut.serverUrl) };
    } catch (e) {
      problems.push(`${CAPABILITIES_FILE} in the run folder is unusable: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const targetPath = path.join(runDir, TARGET_MASKED_FILE);
  const targetFile = existsSync(targetPath) ? readFileSync(targetPath, 'utf8') : null;
  if (targetFile !== null && capabilities === null && problems.length === 0) problems.push(`${TARGET_MASKED_FILE} is in the run folder but ${CAPABILITIES_FILE} is not`);
  return { identity, capabilities, targetFile, problems };
}
