/**
 * Writes the reports of a run folder from its certification report (run and merge share it), and the one-line
 * summary with counts that ends every run.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CertificationReport } from './certification.ts';
import { renderCertificationHtml } from './certification-html.ts';
import { renderJunitXml } from './junit.ts';
import { renderTraceabilityCsv } from './traceability.ts';

export const REPORT_FILES = { json: 'certification.json', html: 'certification.html', junit: 'junit.xml', traceability: 'traceability.csv' } as const;

export async function writeRunReports(out: string, report: CertificationReport): Promise<void> {
  await writeFile(path.join(out, REPORT_FILES.json), JSON.stringify(report, null, 2) + '\n');
  await writeFile(path.join(out, REPORT_FILES.html), renderCertificationHtml(report));
  await writeFile(path.join(out, REPORT_FILES.junit), renderJunitXml(report));
  await writeFile(path.join(out, REPORT_FILES.traceability), renderTraceabilityCsv(report));
}

/** "58 scenarios: 57 pass, 1 fail, 0 inconclusive, 0 not applicable, 0 error, 0 waived; NOT CONFORMANT" */
export function summaryLine(report: Pick<CertificationReport, 'totals' | 'certificate'>): string {
  const t = report.totals;
  return `${t.scenarios} scenario${t.scenarios === 1 ? '' : 's'}: ${t.pass} pass, ${t.fail} fail, ${t.inconclusive} inconclusive, ${t.notApplicable} not applicable, ${t.error} error, ${t.waived} waived; ${report.certificate.status.toUpperCase()}`;
}

/**
 * "verdict: PASS: <conclusion>", the console's verdict line (run and merge). A partial run (--tags, one --shard)
 * whose scenarios all passed says INCOMPLETE: "PASS" followed by "NOT CONFORMANT" read as a contradiction. Only
 * the console word changes; certification.json keeps `verdict: pass` (its schema, docs/certification-report.md).
 * A partial run with a failure still says FAIL: that finding holds whatever else runs.
 */
export function verdictLine(report: Pick<CertificationReport, 'verdict' | 'conclusion' | 'certificate'>): string {
  const word = report.verdict === 'pass' && !report.certificate.complete ? 'INCOMPLETE' : report.verdict.toUpperCase();
  return `verdict: ${word}: ${report.conclusion}`;
}
