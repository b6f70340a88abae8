/**
 * JUnit XML for CI (junit.xml in the run folder). Only `pass` is a passing test case: `fail` and `inconclusive`
 * are <failure> (type NonConformance / Inconclusive), `error` is <error>, `not applicable` is <skipped>, and a
 * waived scenario is <skipped> with the waiver and its real verdict in the message, so no CI tool can count an
 * inconclusive, waived or errored scenario as passed. Every message starts with the verdict.
 */
import type { CertificationReport, ScenarioVerdict } from './certification.ts';

/** XML 1.0 text: escapes markup and drops characters XML cannot carry (control characters, lone surrogates). */
export function xmlEscape(text: unknown): string {
  return String(text ?? '')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function caseName(s: ScenarioVerdict): string {
  const example = s.example ? ` [${Object.entries(s.example).map(([k, v]) => `${k}=${v}`).join(', ')}]` : '';
  return `${s.testPurpose ?? '(no test purpose)'} ${s.name}${example}`;
}

/** The JUnit element that says why a scenario did not pass, or '' for pass. */
function outcome(s: ScenarioVerdict): string {
  const reason = s.reason ?? s.verdict;
  const detail = `${reason}\nverdict: ${s.verdict}\ntest purpose: ${s.testPurpose ?? '-'}\nrequirements: ${s.requirements.join(' ') || '-'}\nat: ${s.uri}:${s.line}`;
  if (s.waiver?.applied) {
    const w = s.waiver;
    return `<skipped message="${xmlEscape(`waived (not passed; verdict ${s.verdict}): ${reason}`)}">${xmlEscape(`${detail}\nwaiver: ${w.justification}\napproved by: ${w.approver}\nexpires: ${w.expires}`)}</skipped>`;
  }
  switch (s.verdict) {
    case 'pass':
      return '';
    case 'fail':
      return `<failure type="NonConformance" message="${xmlEscape(`fail: ${reason}`)}">${xmlEscape(detail)}</failure>`;
    case 'inconclusive':
      return `<failure type="Inconclusive" message="${xmlEscape(`inconclusive (not passed): ${reason}`)}">${xmlEscape(detail)}</failure>`;
    case 'not-applicable':
      return `<skipped message="${xmlEscape(`not applicable: ${reason}`)}">${xmlEscape(detail)}</skipped>`;
    case 'error':
      return `<error type="${xmlEscape(s.exceptionType ?? s.status)}" message="${xmlEscape(`error (harness): ${reason}`)}">${xmlEscape(detail)}</error>`;
  }
}

const kind = (s: ScenarioVerdict) => (s.waiver?.applied || s.verdict === 'not-applicable' ? 'skipped' : s.verdict === 'fail' || s.verdict === 'inconclusive' ? 'failures' : s.verdict === 'error' ? 'errors' : 'pass');

function counts(list: ScenarioVerdict[]): string {
  const n = (k: string) => list.filter((s) => kind(s) === k).length;
  const time = list.reduce((t, s) => t + s.durationMs, 0);
  return `tests="${list.length}" failures="${n('failures')}" errors="${n('errors')}" skipped="${n('skipped')}" time="${seconds(time)}"`;
}

export function renderJunitXml(report: CertificationReport): string {
  const byFeature = new Map<string, ScenarioVerdict[]>();
  for (const s of report.scenarios) byFeature.set(s.uri, [...(byFeature.get(s.uri) ?? []), s]);
  const prop = (name: string, value: unknown) => `<property name="${xmlEscape(name)}" value="${xmlEscape(value)}"/>`;
  const runProps = [
    prop('verdict', report.verdict), prop('certificate', report.certificate.status), prop('sut', report.sut.name),
    prop('sut.version', report.sut.identity.version), prop('suite.version', report.suite.version), prop('suite.commit', report.suite.commit ?? 'unknown'),
    prop('lab', report.run.lab ?? ''), prop('operator', report.run.operator ?? ''),
  ].join('');
  const suites = [...byFeature.entries()].map(([uri, list]) => {
    const cases = list.map((s) => {
      const props = `<properties>${prop('verdict', s.verdict)}${prop('testPurpose', s.testPurpose ?? '')}${prop('requirements', s.requirements.join(' '))}${s.waiver ? prop('waiver', `${s.waiver.applied ? 'applied' : s.waiver.expired ? 'expired' : 'not needed'}: ${s.waiver.justification} (${s.waiver.approver}, until ${s.waiver.expires})`) : ''}</properties>`;
      return `    <testcase name="${xmlEscape(caseName(s))}" classname="${xmlEscape(s.feature || uri)}" file="${xmlEscape(uri)}" line="${s.line}" time="${seconds(s.durationMs)}">${props}${outcome(s)}</testcase>`;
    });
    return `  <testsuite name="${xmlEscape(list[0].feature || uri)}" ${counts(list)} timestamp="${xmlEscape(report.run.startedAt)}" file="${xmlEscape(uri)}">\n    <properties>${runProps}</properties>\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="obf-conformance" ${counts(report.scenarios)}>
  <!-- certificate: ${xmlEscape(report.certificate.status).replace(/--/g, '- -')}; ${xmlEscape(report.conclusion).replace(/--/g, '- -')} -->
${suites.join('\n')}
</testsuites>
`;
}
