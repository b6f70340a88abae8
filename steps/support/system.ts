/**
 * Opens the system under test once per Cucumber worker (BeforeAll) from the world parameters the `run` command
 * passes, and closes it at the end. Steps reach it only through the adapter interfaces.
 */
import { AfterAll, BeforeAll } from '@cucumber/cucumber';
import { openSystemUnderTest, type SystemUnderTest } from '../../adapters/index.ts';
import { HarnessError } from '../../harness/verdicts.ts';
import type { Capabilities } from '../../harness/capabilities.ts';

export interface ObfParameters {
  target?: 'reference';
  faults?: string[];
  timeoutMs?: number;
  /** SQLite file for the reference servers' state (run --reference-data); in memory when absent. */
  referenceData?: string;
  /** Target file (run --target): roles it names are third-party. */
  targetFile?: string;
  /** The capabilities the run goes by (harness/capabilities.ts); absent: the reference's. */
  capabilities?: Capabilities;
}

let current: SystemUnderTest | null = null;
let openError: Error | null = null;

export function systemUnderTest(): SystemUnderTest {
  if (current) return current;
  throw new HarnessError(`the system under test could not be opened: ${openError?.message ?? 'not started'}`);
}

BeforeAll({ timeout: 30_000 }, async function (this: { parameters: ObfParameters }) {
  const p = this.parameters ?? {};
  const faults = p.faults ?? (process.env.OBF_REFERENCE_FAULT ? process.env.OBF_REFERENCE_FAULT.split(',') : []);
  try {
    current = await openSystemUnderTest({ target: p.target ?? 'reference', faults, timeoutMs: p.timeoutMs, data: p.referenceData, targetFile: p.targetFile });
  } catch (e) {
    // Reported on every scenario as a harness error rather than aborting the run without reports.
    openError = e as Error;
  }
});

AfterAll(async function () {
  await current?.close();
  current = null;
});
