/**
 * Allure labels from the requirement catalogue: an epic per area (requirements, reference points, Appendix B
 * functions, security properties), a story per requirement, and the SUT's fault as a parameter, so the Allure
 * report groups scenarios the way the certification report does; the formatter itself shows every tag (clause and
 * test purpose included). Only when the run writes Allure results. Called by the Before hook (scenario-hooks.ts).
 */
import 'allure-cucumberjs';
import * as allure from 'allure-js-commons';
import type { ITestCaseHookParameter } from '@cucumber/cucumber';
import { REQUIREMENTS } from '../../harness/requirements.ts';
import type { ObfWorld } from './world.ts';

export async function labelScenario(world: ObfWorld, { pickle }: ITestCaseHookParameter): Promise<void> {
  if (!(world.parameters as { allure?: boolean }).allure) return;
  const tags = pickle.tags.map((t) => t.name.slice(1));
  const reqs = REQUIREMENTS.filter((r) => tags.includes(r.id));
  for (const area of new Set(reqs.map((r) => r.area))) await allure.epic(area);
  for (const r of reqs) await allure.story(`${r.clause}: ${r.title}`);
  const tp = tags.find((t) => t.startsWith('TP/'));
  if (tp) {
    await allure.allureId(tp);
    await allure.label('testPurpose', tp);
  }
  for (const r of reqs) await allure.label('clause', r.id);
}
