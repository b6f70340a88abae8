/**
 * Scenario selection by declared capability (PICS): a scenario whose `@needs-...` tags (its own, its rule's or its
 * feature's) ask for a capability the system under test does not declare ends not applicable, with the reason;
 * and every step has a timeout (PIXIT stepMs), so a run never hangs on a silent product.
 */
import { Before, setDefaultTimeout, type ITestCaseHookParameter } from '@cucumber/cucumber';
import { REFERENCE_CAPABILITIES, requireCapabilities } from '../../harness/capabilities.ts';
import type { ObfWorld } from './world.ts';

// Set by `run` from the target file's parameters.timeouts.stepMs (above the per-request timeouts, so those win).
setDefaultTimeout(Number(process.env.OBF_STEP_TIMEOUT_MS) || 30_000);

Before(function (this: ObfWorld, { pickle }: ITestCaseHookParameter) {
  requireCapabilities(pickle.tags.map((t) => t.name), this.parameters.capabilities ?? REFERENCE_CAPABILITIES);
});
