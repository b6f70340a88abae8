/**
 * The certificate-style verdict and the one-sentence conclusion. "conformant" is issued only when the whole suite
 * ran and every mandatory scenario (applicable and not waived) passed; anything else is "not conformant", with the
 * reasons listed first: the failing requirements, then the inconclusive ones, then harness errors, then run faults
 * and partial runs (docs/certification-report.md, "Certificate").
 */
import type { Verdict } from '../harness/verdicts.ts';
import type { CertificationReport, RequirementResult, ScenarioVerdict } from './certification.ts';

export interface CertificateReason {
  kind: 'requirement' | 'scenario' | 'run';
  verdict: 'fail' | 'inconclusive' | 'error' | 'partial';
  requirement: string | null;
  clause: string | null;
  title: string | null;
  testPurposes: string[];
  message: string;
}

export interface Certificate {
  status: 'conformant' | 'not conformant';
  /** Whole suite, one run or all shards merged: only a complete run can be conformant. */
  complete: boolean;
  reasons: CertificateReason[];
  /** Test purposes whose non-passing scenarios were waived (the certificate must show them beside the verdict). */
  waived: string[];
}

type Input = Pick<CertificationReport, 'verdict' | 'scenarios' | 'problems' | 'coverage' | 'totals' | 'sut' | 'run' | 'requirements'>;

const BAD: readonly Verdict[] = ['fail', 'inconclusive', 'error'];
const counts = (s: ScenarioVerdict) => BAD.includes(s.verdict) && !s.waiver?.applied;
const tpOf = (s: ScenarioVerdict) => s.testPurpose ?? `"${s.name}"`;

export function partialRun(report: Pick<CertificationReport, 'run'>): string | null {
  if (report.run.shard) return `shard ${report.run.shard.index}/${report.run.shard.count} of the suite`;
  if (report.run.tags) return `run restricted to tags ${report.run.tags}`;
  return null;
}

function requirementReason(r: RequirementResult, verdict: 'fail' | 'inconclusive' | 'error'): CertificateReason {
  const bad = r.scenarios.filter((s) => counts(s) && s.verdict === verdict);
  const first = bad[0];
  return {
    kind: 'requirement', verdict, requirement: r.id, clause: r.clause, title: r.title,
    testPurposes: [...new Set(bad.map(tpOf))],
    message: `${tpOf(first)}: ${first.reason ?? verdict}${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`,
  };
}

export function certificateOf(report: Input): Certificate {
  const reasons: CertificateReason[] = [];
  for (const verdict of ['fail', 'inconclusive', 'error'] as const) {
    for (const r of report.requirements) if (r.scenarios.some((s) => counts(s) && s.verdict === verdict)) reasons.push(requirementReason(r, verdict));
    for (const s of report.scenarios.filter((x) => counts(x) && x.verdict === verdict && x.requirements.length === 0)) {
      reasons.push({ kind: 'scenario', verdict, requirement: null, clause: null, title: null, testPurposes: [tpOf(s)], message: `${tpOf(s)}: ${s.reason ?? verdict}` });
    }
  }
  for (const p of report.problems.filter((x) => x.severity === 'error')) {
    reasons.push({ kind: 'run', verdict: 'error', requirement: null, clause: null, title: null, testPurposes: [], message: p.message });
  }
  const partial = partialRun(report);
  if (partial) reasons.push({ kind: 'run', verdict: 'partial', requirement: null, clause: null, title: null, testPurposes: [], message: `partial run (${partial}): a partial run does not establish conformance` });
  if (report.verdict !== 'pass' && reasons.length === 0) {
    reasons.push({ kind: 'run', verdict: 'error', requirement: null, clause: null, title: null, testPurposes: [], message: 'no applicable scenario was executed' });
  }
  return {
    status: report.verdict === 'pass' && !partial ? 'conformant' : 'not conformant',
    complete: !partial,
    reasons,
    waived: [...new Set(report.scenarios.filter((s) => s.waiver?.applied).map(tpOf))],
  };
}

function idList(scenarios: ScenarioVerdict[], max = 8): string {
  const ids = [...new Set(scenarios.map(tpOf))];
  return ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One sentence: "conformant" only if every applicable scenario passed and the run had no fault. */
export function conclusionOf(report: Input): string {
  const who = report.sut.name;
  const partial = partialRun(report);
  const restricted = partial ? ` (${partial})` : '';
  const waivedScenarios = report.scenarios.filter((s) => s.waiver?.applied);
  const waived = waivedScenarios.length ? `; ${plural(waivedScenarios.length, 'scenario was', 'scenarios were')} waived and did not pass (${idList(waivedScenarios)})` : '';
  if (report.verdict === 'pass') {
    const na = report.totals.notApplicable ? `, ${report.totals.notApplicable} not applicable` : '';
    const all = `all ${plural(report.totals.pass, 'applicable scenario', 'applicable scenarios')} passed${na}${waived}`;
    if (partial) return `${who} passed this partial run: ${all}${restricted}. A partial run does not establish conformance.`;
    const gap = report.coverage.notCovered.length ? `; ${plural(report.coverage.notCovered.length, 'catalogued requirement has', 'catalogued requirements have')} no scenario in this suite version and are not certified` : '';
    return `${who} is conformant to the ${plural(report.coverage.covered, 'requirement', 'requirements')} this suite covers: ${all}${gap}.`;
  }
  const by = (v: Verdict) => report.scenarios.filter((s) => s.verdict === v && !s.waiver?.applied);
  const parts: string[] = [];
  const failedReqs = report.requirements.filter((r) => r.scenarios.some((s) => s.verdict === 'fail' && !s.waiver?.applied)).map((r) => r.id);
  const [failed, inconclusive, errors] = [by('fail'), by('inconclusive'), by('error')];
  if (failed.length) parts.push(`${plural(failed.length, 'scenario', 'scenarios')} failed (${idList(failed)})${failedReqs.length ? ` against ${failedReqs.join(', ')}` : ''}`);
  if (inconclusive.length) parts.push(`${plural(inconclusive.length, 'scenario was', 'scenarios were')} inconclusive (${idList(inconclusive)})`);
  if (errors.length) parts.push(`${plural(errors.length, 'scenario', 'scenarios')} ended in a harness error (${idList(errors)})`);
  const runErrors = report.problems.filter((p) => p.severity === 'error');
  if (runErrors.length) parts.push(`the run had ${plural(runErrors.length, 'fault', 'faults')} (${runErrors.map((p) => p.message).join('; ')})`);
  if (parts.length === 0) parts.push('no applicable scenario was executed');
  if (report.verdict === 'fail') return `${who} is not conformant: ${parts.join('; ')}${waived}${restricted}.`;
  return `Conformance of ${who} is not established: ${parts.join('; ')}${waived}${restricted}.`;
}
