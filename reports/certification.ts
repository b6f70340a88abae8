/**
 * The certification report: one verdict per scenario, per requirement of the catalogue and for the whole run,
 * built from Cucumber's message stream. docs/certification-report.md describes every field and the verdict rules;
 * reports/certification.schema.json is its JSON Schema.
 */
import { overallVerdict, verdictOf, type Verdict } from '../harness/verdicts.ts';
import { REQUIREMENTS, REQUIREMENT_TAG, TEST_PURPOSE_TAG, type RequirementArea } from '../harness/requirements.ts';
import { parseMessageStream } from './cucumber-messages.ts';

export const CERTIFICATION_SCHEMA = 'obf-conformance/certification';
export const CERTIFICATION_SCHEMA_VERSION = '1.0.0';

export interface RunMetadata {
  suite: { name: string; version: string; commit: string | null; dirty: boolean };
  sut: { kind: 'reference' | 'third-party'; name: string; description: string; fault: string | null };
  run: { startedAt: string; finishedAt: string; tags: string | null; command: string };
}

export type OverallVerdict = Exclude<Verdict, 'not-applicable'>;
export type RequirementVerdict = Verdict | 'not-covered';

export interface ScenarioVerdict {
  name: string;
  /** The scenario's @TP/OBF/... tag without '@', or null when it has none (reported as a problem). */
  testPurpose: string | null;
  /** Requirement ids (OBF-* tags without '@') the scenario, its rule or its feature carries. */
  requirements: string[];
  feature: string;
  uri: string;
  line: number;
  /** Values of the Examples row for a Scenario Outline row, else null. */
  example: Record<string, string> | null;
  verdict: Verdict;
  /** Cucumber's worst step status of the last attempt. */
  status: string;
  exceptionType: string | null;
  /** Why the scenario did not pass (first line of the error message); null for pass. */
  reason: string | null;
  durationMs: number;
  attempts: number;
}

export interface RequirementResult {
  id: string;
  clause: string;
  title: string;
  area: RequirementArea | 'uncatalogued';
  catalogued: boolean;
  verdict: RequirementVerdict;
  scenarios: ScenarioVerdict[];
}

export interface Totals { scenarios: number; pass: number; fail: number; inconclusive: number; notApplicable: number; error: number }

export interface CertificationReport {
  schema: typeof CERTIFICATION_SCHEMA;
  schemaVersion: typeof CERTIFICATION_SCHEMA_VERSION;
  generatedAt: string;
  verdict: OverallVerdict;
  conclusion: string;
  totals: Totals;
  coverage: { catalogued: number; covered: number; notCovered: string[] };
  /** Run-level faults (each makes the verdict at least 'error') and tagging warnings (which do not). */
  problems: { severity: 'error' | 'warning'; message: string }[];
  suite: RunMetadata['suite'];
  sut: RunMetadata['sut'];
  run: RunMetadata['run'] & { cucumberVersion: string | null; nodeVersion: string | null };
  requirements: RequirementResult[];
  scenarios: ScenarioVerdict[];
}

const AREA_ORDER: (RequirementArea | 'uncatalogued')[] = ['requirements', 'reference points', 'mechanisms', 'Appendix B functions', 'security properties', 'uncatalogued'];
export const areasInOrder = (): readonly (RequirementArea | 'uncatalogued')[] => AREA_ORDER;

/** Verdict of a requirement from the verdicts of its scenarios. */
export function requirementVerdict(verdicts: Verdict[]): RequirementVerdict {
  if (verdicts.length === 0) return 'not-covered';
  if (verdicts.every((v) => v === 'not-applicable')) return 'not-applicable';
  return overallVerdict(verdicts);
}

function idList(scenarios: ScenarioVerdict[], max = 8): string {
  const ids = [...new Set(scenarios.map((s) => s.testPurpose ?? `"${s.name}"`))];
  return ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One sentence: "conformant" only if every applicable scenario passed and the run had no fault. */
export function conclusionOf(report: Pick<CertificationReport, 'verdict' | 'scenarios' | 'problems' | 'coverage' | 'totals' | 'sut' | 'run'>): string {
  const who = report.sut.name;
  const restricted = report.run.tags ? ` (run restricted to tags ${report.run.tags})` : '';
  if (report.verdict === 'pass') {
    const na = report.totals.notApplicable ? `, ${report.totals.notApplicable} not applicable` : '';
    const all = `all ${plural(report.totals.pass, 'applicable scenario', 'applicable scenarios')} passed${na}`;
    if (report.run.tags) return `${who} passed this partial run: ${all}${restricted}. A partial run does not establish conformance.`;
    const gap = report.coverage.notCovered.length ? `; ${plural(report.coverage.notCovered.length, 'catalogued requirement has', 'catalogued requirements have')} no scenario in this suite version and are not certified` : '';
    return `${who} is conformant to the ${plural(report.coverage.covered, 'requirement', 'requirements')} this suite covers: ${all}${gap}.`;
  }
  const by = (v: Verdict) => report.scenarios.filter((s) => s.verdict === v);
  const parts: string[] = [];
  const failed = by('fail');
  const inconclusive = by('inconclusive');
  const errors = by('error');
  if (failed.length) parts.push(`${plural(failed.length, 'scenario', 'scenarios')} failed (${idList(failed)})`);
  if (inconclusive.length) parts.push(`${plural(inconclusive.length, 'scenario was', 'scenarios were')} inconclusive (${idList(inconclusive)})`);
  if (errors.length) parts.push(`${plural(errors.length, 'scenario', 'scenarios')} ended in a harness error (${idList(errors)})`);
  const runErrors = report.problems.filter((p) => p.severity === 'error');
  if (runErrors.length) parts.push(`the run had ${plural(runErrors.length, 'fault', 'faults')} (${runErrors.map((p) => p.message).join('; ')})`);
  if (parts.length === 0) parts.push('no applicable scenario was executed');
  if (report.verdict === 'fail') return `${who} is not conformant: ${parts.join('; ')}${restricted}.`;
  return `Conformance of ${who} is not established: ${parts.join('; ')}${restricted}.`;
}

export function buildCertification(messagesNdjson: string, meta: RunMetadata): CertificationReport {
  const parsed = parseMessageStream(messagesNdjson);
  const problems: CertificationReport['problems'] = parsed.problems.map((message) => ({ severity: 'error', message }));

  const scenarios = parsed.testCases.map((tc): ScenarioVerdict => {
    const requirements = [...new Set(tc.tags.map((t) => REQUIREMENT_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined))];
    const purposes = [...new Set(tc.tags.map((t) => TEST_PURPOSE_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined))];
    const where = `${tc.uri}:${tc.line} "${tc.name}"`;
    if (purposes.length !== 1) problems.push({ severity: 'warning', message: `${where} has ${purposes.length} test-purpose tags (exactly one expected)` });
    if (requirements.length === 0) problems.push({ severity: 'warning', message: `${where} has no requirement tag` });
    return {
      name: tc.name,
      testPurpose: purposes[0] ?? null,
      requirements,
      feature: tc.feature,
      uri: tc.uri,
      line: tc.line,
      example: tc.example,
      verdict: verdictOf(tc.status, tc.exceptionType ?? undefined),
      status: tc.status,
      exceptionType: tc.exceptionType,
      reason: tc.reason,
      durationMs: tc.durationMs,
      attempts: tc.attempts,
    };
  });

  const catalogued = new Set(REQUIREMENTS.map((r) => r.id));
  const extraIds = [...new Set(scenarios.flatMap((s) => s.requirements))].filter((id) => !catalogued.has(id)).sort();
  const requirements: RequirementResult[] = [
    ...REQUIREMENTS.map((r) => ({ ...r, catalogued: true })),
    ...extraIds.map((id) => ({ id, clause: id.replace(/^OBF-/, ''), title: '(not in the requirement catalogue)', area: 'uncatalogued' as const, catalogued: false })),
  ].map((r) => {
    const covering = scenarios.filter((s) => s.requirements.includes(r.id));
    return { ...r, verdict: requirementVerdict(covering.map((s) => s.verdict)), scenarios: covering };
  });
  for (const id of extraIds) problems.push({ severity: 'warning', message: `tag @${id} is not in the requirement catalogue` });

  const count = (v: Verdict) => scenarios.filter((s) => s.verdict === v).length;
  const totals: Totals = {
    scenarios: scenarios.length,
    pass: count('pass'),
    fail: count('fail'),
    inconclusive: count('inconclusive'),
    notApplicable: count('not-applicable'),
    error: count('error'),
  };
  const verdicts = scenarios.map((s) => s.verdict);
  if (problems.some((p) => p.severity === 'error')) verdicts.push('error');
  const covered = requirements.filter((r) => r.catalogued && r.verdict !== 'not-covered');
  const report: CertificationReport = {
    schema: CERTIFICATION_SCHEMA,
    schemaVersion: CERTIFICATION_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    verdict: overallVerdict(verdicts),
    conclusion: '',
    totals,
    coverage: {
      catalogued: REQUIREMENTS.length,
      covered: covered.length,
      notCovered: requirements.filter((r) => r.catalogued && r.verdict === 'not-covered').map((r) => r.id),
    },
    problems,
    suite: { ...meta.suite },
    sut: { ...meta.sut },
    run: { ...meta.run, cucumberVersion: parsed.cucumberVersion, nodeVersion: parsed.nodeVersion },
    requirements,
    scenarios,
  };
  report.conclusion = conclusionOf(report);
  return report;
}
