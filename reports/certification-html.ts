/**
 * certification.html: the certification report as one self-contained, printable page (inline CSS, no script,
 * no external resource). Every text taken from the report is escaped.
 */
import { areasInOrder, type CertificationReport, type RequirementResult, type ScenarioVerdict } from './certification.ts';
import type { ScenarioWaiver } from './waivers.ts';

export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const VERDICT_LABEL: Record<string, string> = {
  pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', 'not-applicable': 'NOT APPLICABLE', error: 'ERROR', 'not-covered': 'NOT COVERED', waived: 'WAIVED',
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
.v-error.badge { background: var(--error); } .v-not-applicable.badge, .v-not-covered.badge { background: var(--na); } .v-waived.badge { background: #0b5cad; }
.certificate { border: 3px double var(--line); border-radius: 8px; padding: 12px 18px; margin: 14px 0; }
.certificate.conformant { border-color: var(--pass); } .certificate.not-conformant { border-color: var(--fail); }
.certificate .status { font-size: 20px; font-weight: 800; letter-spacing: .06em; margin: 0 0 6px; }
.conformant .status { color: var(--pass); } .not-conformant .status { color: var(--fail); }
.certificate ol { margin: 4px 0 0 18px; padding: 0; } .waiver { display: block; font-size: 11.5px; color: #0b5cad; } .waiver.expired { color: #8a8f98; text-decoration: line-through; }
pre.target { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; font-size: 11.5px; }
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

/** A waiver shown beside a scenario's verdict: applied, not needed (the scenario passed) or expired (struck through). */
function waiverNote(w: ScenarioWaiver | null): string {
  if (!w) return '';
  const state = w.expired ? 'expired waiver, does not apply' : w.applied ? 'waived' : 'waiver not needed';
  return `<span class="waiver${w.expired ? ' expired' : ''}" data-waiver="${w.expired ? 'expired' : w.applied ? 'applied' : 'not-needed'}">${escapeHtml(state)}: ${escapeHtml(w.justification)} (approved by ${escapeHtml(w.approver)}, until ${escapeHtml(w.expires)})</span>`;
}

function certificate(report: CertificationReport): string {
  const c = report.certificate;
  const cls = c.status === 'conformant' ? 'conformant' : 'not-conformant';
  const reasons = c.reasons.map((r) => `<li data-reason-kind="${escapeHtml(r.kind)}"${r.requirement ? ` data-requirement="${escapeHtml(r.requirement)}"` : ''}>${badge(r.verdict === 'partial' ? 'not-covered' : r.verdict)} ${r.requirement ? `<b>${escapeHtml(r.requirement)}</b> (${escapeHtml(r.clause)}: ${escapeHtml(r.title)}): ` : ''}${escapeHtml(r.message)}</li>`);
  const waived = c.waived.length ? `<p class="muted">Waived, not passed: <span class="mono">${escapeHtml(c.waived.join(', '))}</span> (see Waivers).</p>` : '';
  return `<section id="certificate" class="certificate ${cls}" data-status="${escapeHtml(c.status)}"><p class="status">${escapeHtml(c.status.toUpperCase())}</p>${reasons.length ? `<ol id="certificate-reasons">${reasons.join('')}</ol>` : ''}${waived}</section>`;
}

function capabilities(report: CertificationReport): string {
  const { capabilities: caps, targetFile } = report.sut;
  const declared = caps.source === 'reference'
    ? '<p id="capabilities">All capabilities of the reference implementation (no target file).</p>'
    : `<table class="kv" id="capabilities"><tbody>${Object.entries(caps.declared).map(([k, v]) => `<tr><th class="mono">${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'boolean' ? (v ? 'declared' : 'not declared') : v)}</td></tr>`).join('') || '<tr><td>none declared</td></tr>'}</tbody></table>`;
  const target = targetFile === null ? '' : `<h3>Target file (secrets masked)</h3><pre class="target" id="target-file">${escapeHtml(targetFile)}</pre>`;
  return `<h2>Declared capabilities</h2>${declared}${target}`;
}

function waiverTable(report: CertificationReport): string {
  if (report.waivers.entries.length === 0) return '';
  const rows = report.waivers.entries.map((w) => `<tr data-waiver-status="${escapeHtml(w.status)}"><td class="mono">${escapeHtml(w.testPurpose)}</td><td>${escapeHtml([w.sut.vendor, w.sut.product, w.sut.version].filter(Boolean).join(' '))}</td><td>${escapeHtml(w.justification)}</td><td>${escapeHtml(w.approver)}</td><td>${escapeHtml(w.expires)}</td><td>${escapeHtml(w.status)}</td></tr>`);
  return `<h2>Waivers</h2><p class="muted">From ${escapeHtml(report.waivers.file ?? '?')}. A waived scenario keeps its verdict and never counts as passed; an expired waiver does not apply.</p><table id="waivers"><thead><tr><th>Test purpose</th><th>SUT</th><th>Justification</th><th>Approver</th><th>Expires</th><th>In this run</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function identity(report: CertificationReport): string {
  const { sut, suite, run } = report;
  const row = (k: string, v: string) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`;
  const id = sut.identity;
  const shard = run.shard ? `${run.shard.index}/${run.shard.count} (partial)` : run.mergedFrom ? `merged from ${run.mergedFrom.length} runs: ${run.mergedFrom.map((m) => (m.shard ? `${m.shard.index}/${m.shard.count}` : 'whole')).join(', ')}` : 'none (one run)';
  const fault = sut.fault === null ? 'none' : `<span class="fault">${escapeHtml(sut.fault)}</span>`;
  const commit = suite.commit === null ? 'unknown (not a git checkout)' : `<code>${escapeHtml(suite.commit)}</code>${suite.dirty ? ' <span class="fault">(uncommitted changes)</span>' : ''}`;
  return `<h2>Identity</h2><table class="kv">
${row('System under test', `${escapeHtml(sut.name)} <span class="muted">(${escapeHtml(sut.kind)})</span>`)}
${row('Vendor', escapeHtml(id.vendor))}
${row('Product', escapeHtml(id.product))}
${row('Version', escapeHtml(id.version))}
${id.iccidRange === null ? '' : row('ICCID range', `<code>${escapeHtml(id.iccidRange)}</code>`)}
${id.serverUrl === null ? '' : row('Server URL', `<code>${escapeHtml(id.serverUrl)}</code>`)}
${row('Description', escapeHtml(sut.description))}
${row('Injected fault', fault)}
${row('Test suite', `${escapeHtml(suite.name)} ${escapeHtml(suite.version)}`)}
${row('Suite commit', commit)}
${row('Lab', escapeHtml(run.lab ?? 'not given (run --lab)'))}
${row('Operator', escapeHtml(run.operator ?? 'not given (run --operator)'))}
${row('Run started', escapeHtml(run.startedAt))}
${row('Run finished', escapeHtml(run.finishedAt))}
${row('Tag filter', run.tags === null ? 'none (whole suite)' : `<code>${escapeHtml(run.tags)}</code>`)}
${row('Shard', escapeHtml(shard))}
${row('Command', `<code>${escapeHtml(run.command)}</code>`)}
${row('Engine', `cucumber-js ${escapeHtml(run.cucumberVersion ?? '?')}, Node ${escapeHtml(run.nodeVersion ?? '?')}`)}
</table>`;
}

function totals(report: CertificationReport): string {
  const t = report.totals;
  const cell = (label: string, n: number, v: string) => `<div class="t-${v}"><b>${n}</b>${escapeHtml(label)}</div>`;
  return `<h2>Totals</h2><div class="totals">${cell('scenarios', t.scenarios, 'all')}${cell('pass', t.pass, 'pass')}${cell('fail', t.fail, 'fail')}${cell('inconclusive', t.inconclusive, 'inconclusive')}${cell('not applicable', t.notApplicable, 'not-applicable')}${cell('error', t.error, 'error')}${cell('waived', t.waived, 'waived')}${cell(`of ${report.coverage.catalogued} requirements covered`, report.coverage.covered, 'coverage')}</div>`;
}

function findings(report: CertificationReport): string {
  const order = ['fail', 'inconclusive', 'error'];
  const bad = report.scenarios.filter((s) => order.includes(s.verdict)).sort((a, b) => order.indexOf(a.verdict) - order.indexOf(b.verdict));
  const problems = report.problems;
  if (bad.length === 0 && problems.length === 0) return '';
  const rows = bad.map((s) => `<tr class="finding v-${escapeHtml(s.verdict)}"><td>${badge(s.verdict)}</td><td class="mono">${escapeHtml(s.testPurpose ?? '(none)')}</td><td>${scenarioLabel(s)}</td><td class="mono">${escapeHtml(s.requirements.join(' '))}</td><td class="reason">${s.exceptionType && s.verdict === 'error' ? `<code>${escapeHtml(s.exceptionType)}</code>: ` : ''}${escapeHtml(s.reason ?? '')}${waiverNote(s.waiver)}</td></tr>`);
  const table = bad.length ? `<table id="findings"><thead><tr><th>Verdict</th><th>Test purpose</th><th>Scenario</th><th>Requirements</th><th>Reason</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : '';
  const list = problems.length ? `<h3>Run problems</h3><ul id="problems">${problems.map((p) => `<li><b>${escapeHtml(p.severity)}</b>: ${escapeHtml(p.message)}</li>`).join('')}</ul>` : '';
  return `<h2>Reasons</h2>${table}${list}`;
}

function requirementRows(r: RequirementResult): string {
  const head = (span: number) => `<td rowspan="${span}"><span class="mono">${escapeHtml(r.id)}</span><br>${escapeHtml(r.title)}</td><td rowspan="${span}">${escapeHtml(r.clause)}</td><td rowspan="${span}">${badge(r.verdict)}</td>`;
  if (r.scenarios.length === 0) return `<tr class="not-covered" id="req-${escapeHtml(r.id)}" data-requirement="${escapeHtml(r.id)}">${head(1)}<td colspan="3">no scenario covers this requirement yet</td></tr>`;
  return r.scenarios.map((s, i) => `<tr${i === 0 ? ` id="req-${escapeHtml(r.id)}"` : ''} data-requirement="${escapeHtml(r.id)}">${i === 0 ? head(r.scenarios.length) : ''}<td class="mono">${escapeHtml(s.testPurpose ?? '(none)')}</td><td>${scenarioLabel(s)}</td><td>${badge(s.verdict)}${waiverNote(s.waiver)}</td></tr>`).join('\n');
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
${certificate(report)}
${identity(report)}
${capabilities(report)}
${totals(report)}
${findings(report)}
${waiverTable(report)}
${areas(report)}
<footer>${escapeHtml(report.schema)} ${escapeHtml(report.schemaVersion)}, generated ${escapeHtml(report.generatedAt)}. Verdict rules: docs/certification-report.md.</footer>
</body></html>
`;
}
