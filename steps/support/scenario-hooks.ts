/**
 * The one Before and one After hook of every scenario. One each, not one per concern: the Allure formatter writes a
 * fixture container per hook per scenario, and five empty "set up" entries per scenario cost a run more file
 * writes than its evidence does (issue 7 item 7) and tell a reader nothing.
 */
import { After, Before, type ITestCaseHookParameter } from '@cucumber/cucumber';
import { REFERENCE_CAPABILITIES, requireCapabilities } from '../../harness/capabilities.ts';
import { labelScenario } from './allure-labels.ts';
import type { ObfWorld } from './world.ts';

Before(async function (this: ObfWorld, hook: ITestCaseHookParameter) {
  // Labels first: a scenario that ends not applicable is still grouped by requirement in the Allure report.
  await labelScenario(this, hook);
  // A scenario whose `@needs-...` tags (its own, its rule's or its feature's) ask for a capability the system under
  // test does not declare ends not applicable, with the reason (PICS, docs/target-file.md).
  requireCapabilities(hook.pickle.tags.map((t) => t.name), this.parameters.capabilities ?? REFERENCE_CAPABILITIES);
  this.sut.beginScenario(this.trace);
});

After(async function (this: ObfWorld) {
  try {
    // The scenario's trace (APDUs, AT lines, HTTP calls; keys masked) is its evidence in the reports.
    if (this.trace.entries.length) this.attach(this.trace.render(), { mediaType: 'text/plain', fileName: 'evidence-trace.txt' });
  } finally {
    await this.providers.sink?.close();
  }
});
