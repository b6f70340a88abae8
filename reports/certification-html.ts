/**
 * certification.html: the certification report as one self-contained, printable page (inline CSS, no script,
 * no external resource). Every text taken from the report is escaped.
 */
import { areasInOrder, type CertificationReport, type RequirementResult, type ScenarioVerdict } from './certification.ts';

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const VERDICT_LABEL: Record<string, string> = {
  pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', 'not-applicable': 'NOT APPLICABLE', error: 'ERROR', 'not-covered': 'NOT COVERED',
};

const badge = (verdict: string, big = false) =>
  `<span class="badge v-${escapeHtml(verdict)}${big ? ' big' : ''}" data-verdict="${escapeHtml(verdict)}">${escapeHtml(VERDICT_LABEL[verdict] ?? verdict)}</span>`;

const CSS = `
:root { --pass:#1b7f3b; --fail:#b3261e; --inconclusive:#b26a00; --error:#6a1b9a; --na:#5f6368; --line:#d0d4d9; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:#1f2328; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
header { display: flex; gap: 18px; align-items: center; border: 2px solid var(--line); border-radius: 8px; padding: 14px 18px; }
header.v-pass { border-color: var(--pass); } header.v-fail { border-color: var(--fail); }
header.v-inconclusive { border-color: var(--inconclusive); } header.v-error { border-color: var(--error); }
.conclusion { font-size: 15px; margin: 0; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 4px; color: #fff; font-size: 11px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; }
.badge.big { font-size: 20px; padding: 8px 16px; border-radius: 6px; }
.v-pass.badge { background: var(--pass); } .v-fail.badge { background: var(--fail); } .v-inconclusive.badge { background: var(--inconclusive); }
.v-error.badge { background: var(--error); } .v-not-applicable.badge, .v-not-covered.badge { background: var(--na); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
table.kv th { width: 190px; } code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.totals { display: flex; gap: 10px; flex-wrap: wrap; } .totals div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; text-align: center; min-width: 100px; }
.totals b { display: block; font-size: 20px; }
tr.not-covered td { color: #8a8f98; background: #f7f7f8; } .fault { color: var(--fail); font-weight: 600; }
.reason { white-space: pre-wrap; } .muted { color: #5f6368; } footer { margin-top: 30px; font-size: 12px; color: #5f6368; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  @page { size: A4; margin: 14mm 12mm; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; } tr, header, .totals { break-inside: avoid; } thead { display: table-header-group; }
}`;

function scenarioLabel(s: ScenarioVerdict): string {
  const example = s.example ? ` <span class="muted">[${escapeHtml(Object.entries(s.example).map(([k, v]) => `${k}=${v}`).join(', '))}]</span>` : '';
  return `${escapeHtml(s.name)}${example}<br><span class="mono muted">${escapeHtml(`${s.uri}:${s.line}`)}</span>`;
}

function identity(report: CertificationReport): string {
  const { sut, suite, run } = report;
  const row = (k: string, v: string) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`;
  const fault = sut.fault === null ? 'none' : `<span class="fault">${escapeHtml(sut.fault)}</span>`;
  const commit = suite.commit === null ? 'unknown (not a git checkout)' : `<code>${escapeHtml(suite.commit)}</code>${suite.dirty ? ' <span class="fault">(uncommitted changes)</span>' : ''}`;
  return `<h2>Identity</h2><table class="kv">
${row('System under test', `${escapeHtml(sut.name)} <span class="muted">(${escapeHtml(sut.kind)})</span>`)}
${row('Description', escapeHtml(sut.description))}
${row('Injected fault', fault)}
${row('Test suite', `${escapeHtml(suite.name)} ${escapeHtml(suite.version)}`)}
${row('Suite commit', commit)}
${row('Run started', escapeHtml(run.startedAt))}
${row('Run finished', escapeHtml(run.finishedAt))}
${row('Tag filter', run.tags === null ? 'none (whole suite)' : `<code>${escapeHtml(run.tags)}</code>`)}
${row('Command', `<code>${escapeHtml(run.command)}</code>`)}
${row('Engine', `cucumber-js ${escapeHtml(run.cucumberVersion ?? '?')}, Node ${escapeHtml(run.nodeVersion ?? '?')}`)}
</table>`;
}

function totals(report: CertificationReport): string {
  const t = report.totals;
  const cell = (label: string, n: number, v: string) => `<div class="t-${v}"><b>${n}</b>${escapeHtml(label)}</div>`;
  return `<h2>Totals</h2><div class="totals">${cell('scenarios', t.scenarios, 'all')}${cell('pass', t.pass, 'pass')}${cell('fail', t.fail, 'fail')}${cell('inconclusive', t.inconclusive, 'inconclusive')}${cell('not applicable', t.notApplicable, 'not-applicable')}${cell('error', t.error, 'error')}${cell(`of ${report.coverage.catalogued} requirements covered`, report.coverage.covered, 'coverage')}</div>`;
}

function findings(report: CertificationReport): string {
  const order = ['fail', 'inconclusive', 'error'];
  const bad = report.scenarios.filter((s) => order.includes(s.verdict)).sort((a, b) => order.indexOf(a.verdict) - order.indexOf(b.verdict));
  const problems = report.problems;
  if (bad.length === 0 && problems.length === 0) return '';
  const rows = bad.map((s) => `<tr class="finding v-${escapeHtml(s.verdict)}"><td>${badge(s.verdict)}</td><td class="mono">${escapeHtml(s.testPurpose ?? '(none)')}</td><td>${scenarioLabel(s)}</td><td class="mono">${escapeHtml(s.requirements.join(' '))}</td><td class="reason">${s.exceptionType && s.verdict === 'error' ? `<code>${escapeHtml(s.exceptionType)}</code>: ` : ''}${escapeHtml(s.reason ?? '')}</td></tr>`);
  const table = bad.length ? `<table id="findings"><thead><tr><th>Verdict</th><th>Test purpose</th><th>Scenario</th><th>Requirements</th><th>Reason</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : '';
  const list = problems.length ? `<h3>Run problems</h3><ul id="problems">${problems.map((p) => `<li><b>${escapeHtml(p.severity)}</b>: ${escapeHtml(p.message)}</li>`).join('')}</ul>` : '';
  return `<h2>Reasons</h2>${table}${list}`;
}

function requirementRows(r: RequirementResult): string {
  const head = (span: number) => `<td rowspan="${span}"><span class="mono">${escapeHtml(r.id)}</span><br>${escapeHtml(r.title)}</td><td rowspan="${span}">${escapeHtml(r.clause)}</td><td rowspan="${span}">${badge(r.verdict)}</td>`;
  if (r.scenarios.length === 0) return `<tr class="not-covered" data-requirement="${escapeHtml(r.id)}">${head(1)}<td colspan="3">no scenario covers this requirement yet</td></tr>`;
  return r.scenarios.map((s, i) => `<tr data-requirement="${escapeHtml(r.id)}">${i === 0 ? head(r.scenarios.length) : ''}<td class="mono">${escapeHtml(s.testPurpose ?? '(none)')}</td><td>${scenarioLabel(s)}</td><td>${badge(s.verdict)}</td></tr>`).join('\n');
}

const AREA_TITLE: Record<string, string> = { requirements: 'Requirements (6.3.1)', 'reference points': 'Reference points', mechanisms: 'Mechanisms (6.4.3)' };

/** Tested requirements by area first; those without a scenario follow in one section, so a reader sees results first. */
function areas(report: CertificationReport): string {
  const tested = areaTables(report, (r) => r.verdict !== 'not-covered');
  const untested = areaTables(report, (r) => r.verdict === 'not-covered');
  return `<h2>Verdicts by requirement</h2>\n${tested}${untested ? `\n<h2>Not covered by this suite version</h2>\n${untested}` : ''}`;
}

function areaTables(report: CertificationReport, keep: (r: CertificationReport['requirements'][number]) => boolean): string {
  return areasInOrder().map((area) => {
    const reqs = report.requirements.filter((r) => r.area === area && keep(r));
    if (reqs.length === 0) return '';
    return `<h3>${escapeHtml(AREA_TITLE[area] ?? area[0].toUpperCase() + area.slice(1))}</h3><table class="area"><colgroup><col style="width:27%"><col style="width:9%"><col style="width:10%"><col style="width:15%"><col style="width:29%"><col style="width:10%"></colgroup><thead><tr><th>Requirement</th><th>Clause</th><th>Verdict</th><th>Test purpose</th><th>Scenario</th><th>Scenario verdict</th></tr></thead><tbody>${reqs.map(requirementRows).join('\n')}</tbody></table>`;
  }).join('\n');
}

export function renderCertificationHtml(report: CertificationReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OBF conformance: ${escapeHtml(report.sut.name)}: ${escapeHtml(VERDICT_LABEL[report.verdict])}</title>
<style>${CSS}</style></head>
<body>
<h1>OBF conformance certification</h1>
<header id="verdict" class="v-${escapeHtml(report.verdict)}">${badge(report.verdict, true)}<p class="conclusion" id="conclusion">${escapeHtml(report.conclusion)}</p></header>
${identity(report)}
${totals(report)}
${findings(report)}
${areas(report)}
<footer>${escapeHtml(report.schema)} ${escapeHtml(report.schemaVersion)}, generated ${escapeHtml(report.generatedAt)}. Verdict rules: docs/certification-report.md.</footer>
</body></html>
`;
}
