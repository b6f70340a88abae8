/**
 * Every step has a timeout (PIXIT stepMs), so a run never hangs on a silent product. (Scenario selection by declared
 * capability is in scenario-hooks.ts.)
 */
import { setDefaultTimeout } from '@cucumber/cucumber';

// Set by `run` from the target file's parameters.timeouts.stepMs (above the per-request timeouts, so those win).
setDefaultTimeout(Number(process.env.OBF_STEP_TIMEOUT_MS) || 30_000);

