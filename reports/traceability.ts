/**
 * traceability.csv: the traceability matrix of a run as one flat table (RFC 4180 CSV), one row per requirement and
 * scenario: requirement -> clause -> test purpose -> scenario -> verdicts. Every catalogued requirement has at least
 * one row; one with no scenario has an empty scenario and verdict "not-covered". Same data as the matrix in
 * certification.html and the `requirements` of certification.json.
 */
import type { CertificationReport } from './certification.ts';

const HEADER = ['requirement', 'clause', 'title', 'area', 'requirement verdict', 'test purpose', 'scenario', 'feature', 'location', 'scenario verdict', 'reason', 'waiver'];

/** A CSV field; a leading = + - @ is prefixed with ' so a spreadsheet never evaluates a scenario name as a formula. */
function field(value: unknown): string {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderTraceabilityCsv(report: Pick<CertificationReport, 'requirements'>): string {
  const rows: unknown[][] = [HEADER];
  for (const r of report.requirements) {
    const head = [r.id, r.clause, r.title, r.area, r.verdict];
    if (r.scenarios.length === 0) rows.push([...head, '', '', '', '', 'not-covered', '', '']);
    for (const s of r.scenarios) {
      const waiver = s.waiver ? `${s.waiver.applied ? 'applied' : s.waiver.expired ? 'expired' : 'not needed'}: ${s.waiver.justification} (${s.waiver.approver}, until ${s.waiver.expires})` : '';
      const example = s.example ? ` [${Object.entries(s.example).map(([k, v]) => `${k}=${v}`).join(', ')}]` : '';
      rows.push([...head, s.testPurpose ?? '', `${s.name}${example}`, s.feature, `${s.uri}:${s.line}`, s.verdict, s.reason ?? '', waiver]);
    }
  }
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
