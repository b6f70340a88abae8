/**
 * Waivers: a lab's written decision that one test purpose does not count against one SUT until a date. Each has a
 * justification, an approver and an expiry; an expired waiver no longer applies. A waived scenario keeps its own
 * verdict and never counts as passed: it only stops counting towards the overall verdict (docs/certification-report.md,
 * "Waivers").
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Verdict } from '../harness/verdicts.ts';
import { closestName } from '../harness/did-you-mean.ts';

/** Which SUT a waiver is for: the product name (capabilities.json sut.product, or the SUT name), optionally vendor and version. */
export interface WaiverSut { vendor?: string; product: string; version?: string }

export interface Waiver {
  testPurpose: string;
  sut: WaiverSut;
  justification: string;
  approver: string;
  /** Last day the waiver applies (YYYY-MM-DD, UTC, inclusive). */
  expires: string;
}

/** A waiver as a report shows it: whether it applied in this run. */
export type WaiverStatus = 'applied' | 'expired' | 'not-needed' | 'unused' | 'other-sut';
export interface WaiverOutcome extends Waiver { status: WaiverStatus }

/** The waiver shown beside one scenario's verdict. */
export interface ScenarioWaiver { justification: string; approver: string; expires: string; expired: boolean; applied: boolean }

/** A waivers file that cannot be used: the CLI reports it as a usage error (one line, exit 2). */
export class WaiverFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaiverFileError';
  }
}

const FIELDS = ['testPurpose', 'sut', 'justification', 'approver', 'expires'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function text(value: unknown, where: string, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new WaiverFileError(`${where}: '${field}' must be a non-empty text`);
  return value.trim();
}

function sutOf(value: unknown, where: string): WaiverSut {
  if (typeof value === 'string') return { product: text(value, where, 'sut') };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WaiverFileError(`${where}: 'sut' must be a product name or {vendor, product, version}`);
  const o = value as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['vendor', 'product', 'version'].includes(k));
  if (extra.length) throw new WaiverFileError(`${where}: unknown field 'sut.${extra[0]}' (expected vendor, product, version)`);
  const sut: WaiverSut = { product: text(o.product, where, 'sut.product') };
  if (o.vendor !== undefined) sut.vendor = text(o.vendor, where, 'sut.vendor');
  if (o.version !== undefined) sut.version = text(String(o.version), where, 'sut.version');
  return sut;
}

/** A real calendar day: the pattern alone let 2027-02-30 through (Date.parse rolls it over to March 2). */
function isCalendarDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const t = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === text;
}

/** The known id nearest to a mistyped one, when it is near enough to be the one meant (a typo, not another id). */
export function closestTestPurpose(id: string, known: Iterable<string>): string | null {
  return closestName(id, known, 3);
}

/**
 * Parses a waivers file (YAML or JSON: `waivers:` list). Throws WaiverFileError naming the file, entry and field.
 * With `knownTestPurposes` (the suite's, harness/suite-info.ts), a waiver for a test purpose the suite does not have
 * is refused: it could never apply, and shown only as "unused" a typo would go unnoticed.
 */
export function parseWaivers(source: string, fileName: string, knownTestPurposes?: ReadonlySet<string>): Waiver[] {
  let doc: unknown;
  try {
    // yaml would turn an unquoted 2027-01-31 into a Date only with the 1.1 schema; the default core schema keeps it text
    doc = parseYaml(source);
  } catch (e) {
    throw new WaiverFileError(`waivers file ${fileName} is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = (doc as { waivers?: unknown } | null)?.waivers;
  if (!Array.isArray(list)) throw new WaiverFileError(`waivers file ${fileName}: expected a top-level 'waivers:' list`);
  return list.map((entry, i): Waiver => {
    const where = `waivers file ${fileName}, entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new WaiverFileError(`${where}: expected a mapping with ${FIELDS.join(', ')}`);
    const o = entry as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !FIELDS.includes(k));
    if (extra.length) throw new WaiverFileError(`${where}: unknown field '${extra[0]}' (expected ${FIELDS.join(', ')})`);
    const testPurpose = text(o.testPurpose, where, 'testPurpose').replace(/^@/, '');
    if (!/^TP\/OBF\/[A-Za-z0-9/\-]+$/.test(testPurpose)) throw new WaiverFileError(`${where}: testPurpose '${testPurpose}' is not a test purpose id like TP/OBF/AS/DEC/BI-01`);
    if (knownTestPurposes && !knownTestPurposes.has(testPurpose)) {
      const near = closestTestPurpose(testPurpose, knownTestPurposes);
      throw new WaiverFileError(`${where}: testPurpose '${testPurpose}' is not a test purpose of this suite${near ? ` (did you mean '${near}'?)` : ' (see docs/test-purposes.md)'}`);
    }
    const expires = o.expires instanceof Date ? o.expires.toISOString().slice(0, 10) : text(o.expires, where, 'expires');
    if (!DATE.test(expires)) throw new WaiverFileError(`${where}: expires '${expires}' is not a date YYYY-MM-DD`);
    if (!isCalendarDate(expires)) throw new WaiverFileError(`${where}: expires '${expires}' is not a day of the calendar (YYYY-MM-DD)`);
    return { testPurpose, sut: sutOf(o.sut, where), justification: text(o.justification, where, 'justification'), approver: text(o.approver, where, 'approver'), expires };
  });
}

export function loadWaivers(file: string, knownTestPurposes?: ReadonlySet<string>): Waiver[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WaiverFileError(`cannot read waivers file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseWaivers(source, file, knownTestPurposes);
}

/** Expired when the run started after the end (UTC) of the expiry day. */
export function isExpired(waiver: Pick<Waiver, 'expires'>, at: string): boolean {
  return Date.parse(at) > Date.parse(`${waiver.expires}T23:59:59.999Z`);
}

export function waiverMatchesSut(w: Waiver, sut: { name: string; identity: { vendor: string; product: string; version: string } }): boolean {
  const productOk = w.sut.product === sut.identity.product || w.sut.product === sut.name;
  return productOk && (w.sut.vendor === undefined || w.sut.vendor === sut.identity.vendor) && (w.sut.version === undefined || w.sut.version === sut.identity.version);
}

/** Verdicts a waiver can excuse: a waiver has nothing to do on a pass or a not-applicable scenario. */
export const WAIVABLE: readonly Verdict[] = ['fail', 'inconclusive', 'error'];

/**
 * Applies waivers to scenarios (by test purpose; every Examples row of an outline shares it). Returns the waiver
 * shown beside each scenario (null when none is for this SUT) and the outcome of every waiver in the file.
 */
export function applyWaivers(
  waivers: readonly Waiver[],
  scenarios: readonly { testPurpose: string | null; verdict: Verdict }[],
  sut: Parameters<typeof waiverMatchesSut>[1],
  at: string,
): { perScenario: (ScenarioWaiver | null)[]; outcomes: WaiverOutcome[] } {
  const outcomes: WaiverOutcome[] = waivers.map((w) => ({ ...w, status: 'unused' }));
  const perScenario = scenarios.map((s): ScenarioWaiver | null => {
    const i = waivers.findIndex((w) => w.testPurpose === s.testPurpose && waiverMatchesSut(w, sut));
    if (i < 0) return null;
    const w = waivers[i];
    const expired = isExpired(w, at);
    const applied = !expired && WAIVABLE.includes(s.verdict);
    const o = outcomes[i];
    if (applied) o.status = 'applied';
    else if (expired && o.status !== 'applied') o.status = 'expired';
    else if (o.status === 'unused') o.status = 'not-needed';
    return { justification: w.justification, approver: w.approver, expires: w.expires, expired, applied };
  });
  for (const [i, w] of waivers.entries()) if (outcomes[i].status === 'unused' && !waiverMatchesSut(w, sut)) outcomes[i].status = 'other-sut';
  return { perScenario, outcomes };
}
