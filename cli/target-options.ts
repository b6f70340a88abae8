/**
 * `run --target <file>`: loads and checks the target file before anything runs (a mistake is one line, exit 2),
 * works out the capabilities and timeouts the run goes by, and writes what the reports record of it:
 * `target.masked.yaml` (the file with its secrets masked) and `capabilities.json` (docs/target-file.md section 6).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeTarget, iccidRange, loadPluginFactory, loadTargetFile, maskTargetText, timeoutsOf, YamlSchemaError, type TargetFile, type Timeouts } from '../adapters/targets.ts';
import { effectiveCapabilities, REFERENCE_CAPABILITIES, ROLES, type Capabilities } from '../harness/capabilities.ts';
import type { RunMetadata } from '../reports/certification.ts';
import { UsageError } from './usage-error.ts';

export interface TargetRun {
  target: TargetFile | null;
  capabilities: Capabilities;
  timeouts: Timeouts;
  sut: RunMetadata['sut'];
}

/**
 * "file:line: field: problem", without the line when there is none: the loader reports a file it cannot read
 * (missing, a folder) at line 0, and "missing.yaml:0:" reads as if line 0 held something.
 */
function whereAndWhat(e: YamlSchemaError): string {
  return `${e.file}${e.line > 0 ? `:${e.line}` : ''}: ${e.field ? `${e.field}: ` : ''}${e.problem}`;
}

/** Loads a target file or throws UsageError naming the file, line and field. */
export async function loadTargetOrExplain(command: string, file: string): Promise<TargetFile> {
  let target: TargetFile;
  try {
    target = loadTargetFile(file);
  } catch (e) {
    if (e instanceof YamlSchemaError) throw new UsageError(`${command}: target file ${whereAndWhat(e)}`);
    throw e;
  }
  for (const role of ROLES) {
    const r = target.roles[role];
    if (r?.resolved) {
      try {
        await loadPluginFactory(r.resolved, role);
      } catch (e) {
        throw new UsageError(`${command}: target file ${file}: ${(e as Error).message}`);
      }
    }
  }
  return target;
}

export async function prepareTargetRun(file: string | undefined, opts: { faults: string[]; timeoutMs: number | undefined; parallel: number }): Promise<TargetRun> {
  const fallback = opts.timeoutMs ?? 5000;
  if (file === undefined) {
    const fault = opts.faults.length ? opts.faults.join(',') : null;
    return {
      target: null,
      capabilities: REFERENCE_CAPABILITIES,
      timeouts: timeoutsOf(null, fallback),
      sut: {
        kind: 'reference',
        name: 'OBF reference implementation',
        description: `bundled reference Secure Element, device, Application Server, Authentication Server and Resource Server (HTTP on loopback)${fault ? `; fault switched on: ${fault}` : ''}`,
        fault,
      },
    };
  }
  if (file.trim() === '') throw new UsageError('run: --target is empty; give a target file (see docs/target-file.md)');
  const target = await loadTargetOrExplain('run', file);
  if (opts.parallel > 1 && (target.thirdParty.has('secureElement') || target.thirdParty.has('device'))) {
    throw new UsageError('run: --parallel above 1 needs every Secure Element and device on the reference (a third-party card or device serves one scenario at a time)');
  }
  // The file's PIXIT timeouts win; --timeout (or 5000 ms) covers the ones it leaves out.
  const timeouts = timeoutsOf(target, fallback);
  return { target, capabilities: effectiveCapabilities(target.capabilities, target.thirdParty), timeouts, sut: describeTarget(target, opts.faults) };
}

/**
 * With a target file: target.masked.yaml and capabilities.json in the run folder (the reports' contract,
 * docs/certification-report.md: `declared` values are true/false or text, so lists are written as "aes, 3des-2key").
 * A reference run writes neither: the reports then show the reference and all its capabilities.
 */
export async function writeTargetRecords(out: string, run: TargetRun): Promise<void> {
  const t = run.target;
  if (!t) return;
  await writeFile(path.join(out, 'target.masked.yaml'), maskTargetText(await readFile(t.file, 'utf8')));
  const sut = { vendor: t.sut.vendor, product: t.sut.product, version: t.sut.version, ...(iccidRange(t) ? { iccidRange: iccidRange(t) } : {}), ...(t.roles.applicationServer?.baseUrl ? { serverUrl: t.roles.applicationServer.baseUrl } : {}) };
  const declared = Object.fromEntries(Object.entries(run.capabilities).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
  await writeFile(path.join(out, 'capabilities.json'), JSON.stringify({ declared, sut }, null, 2) + '\n');
}
