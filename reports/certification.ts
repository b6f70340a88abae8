/**
 * The certification report: one verdict per scenario, per requirement of the catalogue and for the whole run,
 * built from Cucumber's message stream (or, for a merged sharded campaign, from several). docs/certification-report.md
 * describes every field and the verdict rules; reports/certification.schema.json is its JSON Schema.
 */
import { overallVerdict, verdictOf, type Verdict } from '../harness/verdicts.ts';
import { REQUIREMENTS, REQUIREMENT_TAG, TEST_PURPOSE_TAG, type RequirementArea } from '../harness/requirements.ts';
import { parseMessageStream, type ParsedRun } from './cucumber-messages.ts';
import { applyWaivers, type ScenarioWaiver, type Waiver, type WaiverOutcome } from './waivers.ts';
import { REFERENCE_CAPABILITIES, referenceIdentity, type Capabilities, type SutIdentity } from './run-context.ts';
import { certificateOf, conclusionOf, type Certificate } from './certificate.ts';

export const CERTIFICATION_SCHEMA = 'obf-conformance/certification';
/** 1.1.0 added certificate, sut identity/capabilities/targetFile, run lab/operator/shard/mergedFrom, waivers, totals.waived. */
export const CERTIFICATION_SCHEMA_VERSION = '1.1.0';

export interface Shard { index: number; count: number }
/** One shard of a merged campaign: where its results came from. */
export interface ShardRun { shard: Shard | null; startedAt: string; finishedAt: string; scenarios: number; source: string }

/** What the CLI knows about a run. Fields marked optional default to a reference run without lab, shard or waivers. */
export interface RunMetadata {
  suite: { name: string; version: string; commit: string | null; dirty: boolean };
  sut: {
    kind: 'reference' | 'third-party'; name: string; description: string; fault: string | null;
    identity?: SutIdentity; capabilities?: Capabilities; targetFile?: string | null;
  };
  run: {
    startedAt: string; finishedAt: string; tags: string | null; command: string;
    lab?: string | null; operator?: string | null; shard?: Shard | null; mergedFrom?: ShardRun[] | null;
  };
  waivers?: { file: string | null; entries: Waiver[] };
  /** Run-level faults found outside the message stream (an unusable capabilities.json, a missing shard). */
  problems?: string[];
}

export type OverallVerdict = Exclude<Verdict, 'not-applicable'>;
export type RequirementVerdict = Verdict | 'not-covered' | 'waived';

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
  /** The lab's waiver for this test purpose and SUT, shown beside the verdict; null when there is none. */
  waiver: ScenarioWaiver | null;
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

export interface Totals { scenarios: number; pass: number; fail: number; inconclusive: number; notApplicable: number; error: number; waived: number }

export interface CertificationReport {
  schema: typeof CERTIFICATION_SCHEMA;
  schemaVersion: typeof CERTIFICATION_SCHEMA_VERSION;
  generatedAt: string;
  certificate: Certificate;
  verdict: OverallVerdict;
  conclusion: string;
  totals: Totals;
  coverage: { catalogued: number; covered: number; notCovered: string[] };
  /** Run-level faults (each makes the verdict at least 'error') and tagging warnings (which do not). */
  problems: { severity: 'error' | 'warning'; message: string }[];
  suite: RunMetadata['suite'];
  sut: { kind: 'reference' | 'third-party'; name: string; description: string; fault: string | null; identity: SutIdentity; capabilities: Capabilities; targetFile: string | null };
  run: {
    startedAt: string; finishedAt: string; tags: string | null; command: string; lab: string | null; operator: string | null;
    shard: Shard | null; mergedFrom: ShardRun[] | null; cucumberVersion: string | null; nodeVersion: string | null;
  };
  waivers: { file: string | null; entries: WaiverOutcome[] };
  requirements: RequirementResult[];
  scenarios: ScenarioVerdict[];
}

const AREA_ORDER: (RequirementArea | 'uncatalogued')[] = ['requirements', 'reference points', 'mechanisms', 'Appendix B functions', 'security properties', 'uncatalogued'];
export const areasInOrder = (): readonly (RequirementArea | 'uncatalogued')[] => AREA_ORDER;

/** Verdict of a requirement from its scenarios: waived ones do not count, and never count as passed. */
export function requirementVerdict(scenarios: readonly Pick<ScenarioVerdict, 'verdict' | 'waiver'>[]): RequirementVerdict {
  if (scenarios.length === 0) return 'not-covered';
  const counted = scenarios.filter((s) => !s.waiver?.applied).map((s) => s.verdict);
  if (counted.every((v) => v === 'not-applicable')) return counted.length < scenarios.length ? 'waived' : 'not-applicable';
  return overallVerdict(counted);
}

export function buildCertification(messagesNdjson: string, meta: RunMetadata): CertificationReport {
  return assembleCertification([parseMessageStream(messagesNdjson)], meta);
}

/** The report of one run, or of several shard runs taken together (each parsed on its own, so ids never mix). */
export function assembleCertification(runs: readonly ParsedRun[], meta: RunMetadata): CertificationReport {
  const problems: CertificationReport['problems'] = [...runs.flatMap((r) => r.problems), ...(meta.problems ?? [])].map((message) => ({ severity: 'error', message }));
  const testCases = runs.flatMap((r) => r.testCases).sort((a, b) => (a.uri === b.uri ? a.line - b.line : a.uri < b.uri ? -1 : 1));

  const bare = testCases.map((tc): ScenarioVerdict => {
    const requirements = [...new Set(tc.tags.map((t) => REQUIREMENT_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined))];
    const purposes = [...new Set(tc.tags.map((t) => TEST_PURPOSE_TAG.exec(t)?.[1]).filter((t): t is string => t !== undefined))];
    const where = `${tc.uri}:${tc.line} "${tc.name}"`;
    if (purposes.length !== 1) problems.push({ severity: 'warning', message: `${where} has ${purposes.length} test-purpose tags (exactly one expected)` });
    if (requirements.length === 0) problems.push({ severity: 'warning', message: `${where} has no requirement tag` });
    return {
      name: tc.name, testPurpose: purposes[0] ?? null, requirements, feature: tc.feature, uri: tc.uri, line: tc.line, example: tc.example,
      verdict: verdictOf(tc.status, tc.exceptionType ?? undefined), status: tc.status, exceptionType: tc.exceptionType, reason: tc.reason,
      durationMs: tc.durationMs, attempts: tc.attempts, waiver: null,
    };
  });
  const dup = bare.filter((s, i) => bare.findIndex((o) => o.uri === s.uri && o.line === s.line) !== i);
  for (const s of dup) problems.push({ severity: 'error', message: `${s.uri}:${s.line} "${s.name}" ran more than once (overlapping shards?)` });

  const sut: CertificationReport['sut'] = {
    kind: meta.sut.kind, name: meta.sut.name, description: meta.sut.description, fault: meta.sut.fault,
    identity: meta.sut.identity ?? referenceIdentity(meta.suite.version),
    capabilities: meta.sut.capabilities ?? REFERENCE_CAPABILITIES,
    targetFile: meta.sut.targetFile ?? null,
  };
  const waived = applyWaivers(meta.waivers?.entries ?? [], bare, sut, meta.run.startedAt);
  const scenarios = bare.map((s, i) => ({ ...s, waiver: waived.perScenario[i] }));

  const catalogued = new Set(REQUIREMENTS.map((r) => r.id));
  const extraIds = [...new Set(scenarios.flatMap((s) => s.requirements))].filter((id) => !catalogued.has(id)).sort();
  const requirements: RequirementResult[] = [
    ...REQUIREMENTS.map((r) => ({ ...r, catalogued: true })),
    ...extraIds.map((id) => ({ id, clause: id.replace(/^OBF-/, ''), title: '(not in the requirement catalogue)', area: 'uncatalogued' as const, catalogued: false })),
  ].map((r) => {
    const covering = scenarios.filter((s) => s.requirements.includes(r.id));
    return { ...r, verdict: requirementVerdict(covering), scenarios: covering };
  });
  for (const id of extraIds) problems.push({ severity: 'warning', message: `tag @${id} is not in the requirement catalogue` });

  const count = (v: Verdict) => scenarios.filter((s) => s.verdict === v).length;
  const totals: Totals = {
    scenarios: scenarios.length, pass: count('pass'), fail: count('fail'), inconclusive: count('inconclusive'),
    notApplicable: count('not-applicable'), error: count('error'), waived: scenarios.filter((s) => s.waiver?.applied).length,
  };
  const verdicts = scenarios.filter((s) => !s.waiver?.applied).map((s) => s.verdict);
  if (problems.some((p) => p.severity === 'error')) verdicts.push('error');
  const covered = requirements.filter((r) => r.catalogued && r.verdict !== 'not-covered');
  const parsedWith = runs.find((r) => r.cucumberVersion !== null);
  const report: CertificationReport = {
    schema: CERTIFICATION_SCHEMA,
    schemaVersion: CERTIFICATION_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    certificate: { status: 'not conformant', complete: false, reasons: [], waived: [] },
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
    sut,
    run: {
      startedAt: meta.run.startedAt, finishedAt: meta.run.finishedAt, tags: meta.run.tags, command: meta.run.command,
      lab: meta.run.lab ?? null, operator: meta.run.operator ?? null, shard: meta.run.shard ?? null, mergedFrom: meta.run.mergedFrom ?? null,
      cucumberVersion: parsedWith?.cucumberVersion ?? null, nodeVersion: parsedWith?.nodeVersion ?? null,
    },
    waivers: { file: meta.waivers?.file ?? null, entries: waived.outcomes },
    requirements,
    scenarios,
  };
  report.certificate = certificateOf(report);
  report.conclusion = conclusionOf(report);
  return report;
}
