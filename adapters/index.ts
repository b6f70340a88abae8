/**
 * Chooses and opens the system under test. Today: the bundled reference implementation, optionally with
 * faults switched on. (Third-party targets arrive with the target file: see issue "Testing third-party equipment".)
 */
import { FAULTS, isFaultName, startApplicationServer, type FaultName } from '../reference-impl/index.ts';
import { HarnessError } from '../harness/verdicts.ts';
import { ReferenceSystem } from './reference/reference-sut.ts';
import type { SystemUnderTest } from './types.ts';

export interface SutConfig {
  target: 'reference';
  faults: string[];
  timeoutMs?: number;
}

export function referenceFaults(): Record<string, { party: string; description: string; breaks: string }> {
  return FAULTS;
}

export async function openSystemUnderTest(config: SutConfig): Promise<SystemUnderTest> {
  const unknown = config.faults.filter((f) => !isFaultName(f));
  if (unknown.length) throw new HarnessError(`unknown reference fault '${unknown[0]}' (see 'obf-conformance faults')`);
  return ReferenceSystem.start({ faults: config.faults as FaultName[], timeoutMs: config.timeoutMs });
}

export type * from './types.ts';
export { Trace } from './trace.ts';
export { errorCodeOf } from './http/traced-http.ts';

/** The reference Application Server alone, for a vendor to try the HTTP API (docs/profile/http-api.md) by hand. */
export async function startReferenceApplicationServer(opts: { port: number; faults: string[] }): Promise<{ url: string; close(): Promise<void> }> {
  const unknown = opts.faults.filter((f) => !isFaultName(f));
  if (unknown.length) throw new HarnessError(`unknown reference fault '${unknown[0]}' (see 'obf-conformance faults')`);
  return startApplicationServer({ port: opts.port, faults: new Set(opts.faults as FaultName[]) });
}
