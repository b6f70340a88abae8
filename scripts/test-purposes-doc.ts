/**
 * Writes docs/test-purposes.md from the features themselves (tags, names, descriptions), the requirement catalogue
 * and tests/fault-expectations.json, and the fault table of docs/architecture.md from reference-impl/faults.ts, so
 * the tables a lab reads cannot drift from what the suite runs.
 *   node --import tsx scripts/test-purposes-doc.ts          rewrite the document
 *   node --import tsx scripts/test-purposes-doc.ts --check  exit 1 when the document is out of date (npm test)
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REQUIREMENTS, REQUIREMENT_TAG, TEST_PURPOSE_TAG } from '../harness/requirements.ts';
import { FAULTS } from '../reference-impl/faults.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOC = path.join(ROOT, 'docs/test-purposes.md');
const ARCHITECTURE = path.join(ROOT, 'docs/architecture.md');
const PARTY: Record<string, string> = { 'secure-element': 'SE', device: 'device', 'application-server': 'AS', 'authentication-server': 'Authentication Server', 'resource-server': 'Resource Server' };

/** The fault table of docs/architecture.md, between its markers, from reference-impl/faults.ts. */
export function withFaultTable(architecture: string): string {
  const begin = architecture.indexOf('<!-- faults:begin');
  const end = architecture.indexOf('<!-- faults:end -->');
  if (begin < 0 || end < begin) throw new Error('docs/architecture.md lacks the <!-- faults:begin --> / <!-- faults:end --> markers');
  const headLine = architecture.slice(begin, architecture.indexOf('\n', begin) + 1);
  const rows = Object.entries(FAULTS).map(([name, f]) => `| \`${name}\` | ${PARTY[f.party] ?? f.party} | ${f.description} | ${f.breaks} |`);
  return `${architecture.slice(0, begin)}${headLine}| Fault | Party | What the party then does | Breaks |\n|---|---|---|---|\n${rows.join('\n')}\n${architecture.slice(end)}`;
}

export interface TestPurposeRow {
  tp: string;
  clauses: string[];
  scenario: string;
  line: number;
}

export interface FeatureSummary {
  uri: string;
  name: string;
  description: string;
  rows: TestPurposeRow[];
}

function featureFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? featureFiles(p) : f.endsWith('.feature') ? [p] : [];
  });
}

/** A line parser for the suite's own Gherkin: tags, Feature, Background, Scenario (Outline), Examples. */
export function summarise(file: string): FeatureSummary {
  const lines = readFileSync(file, 'utf8').split('\n');
  let tags: string[] = [];
  let featureTags: string[] = [];
  let outline: { name: string; tags: string[] } | null = null;
  const summary: FeatureSummary = { uri: path.relative(ROOT, file), name: '', description: '', rows: [] };
  let inDescription = false;
  const description: string[] = [];
  const add = (all: string[], scenario: string, line: number) => {
    const tp = all.map((t) => TEST_PURPOSE_TAG.exec(t)?.[1]).find(Boolean);
    if (!tp) return;
    const clauses = [...new Set(all.map((t) => REQUIREMENT_TAG.exec(t)?.[1]).filter((x): x is string => Boolean(x)))];
    summary.rows.push({ tp, clauses, scenario, line });
  };
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('@')) {
      tags.push(...line.split(/\s+/).filter((t) => t.startsWith('@')));
      inDescription = false;
      return;
    }
    const m = /^(Feature|Background|Scenario Outline|Scenario|Examples):\s*(.*)$/.exec(line);
    if (m) {
      inDescription = false;
      if (m[1] === 'Feature') {
        summary.name = m[2];
        featureTags = tags;
        inDescription = true;
      } else if (m[1] === 'Scenario') {
        outline = null;
        add([...featureTags, ...tags], m[2], i + 1);
      } else if (m[1] === 'Scenario Outline') {
        outline = { name: m[2], tags };
      } else if (m[1] === 'Examples' && outline) {
        add([...featureTags, ...outline.tags, ...tags], `${outline.name}: ${m[2]}`, i + 1);
      }
      tags = [];
      return;
    }
    if (inDescription && line && !line.startsWith('#')) description.push(line);
  });
  summary.description = description.join(' ');
  return summary;
}

const short = (tp: string) => tp.replace(/^TP\/OBF\//, '');
const clauseOf = (id: string) => REQUIREMENTS.find((r) => r.id === id);

export function render(header: string): string {
  const features = featureFiles(path.join(ROOT, 'features')).map(summarise);
  const faults = (JSON.parse(readFileSync(path.join(ROOT, 'tests/fault-expectations.json'), 'utf8')) as { faults: Record<string, string[]> }).faults;
  const caughtBy = (tp: string) => Object.entries(faults).filter(([, tps]) => tps.includes(tp)).map(([f]) => `\`${f}\``);
  const all = features.flatMap((f) => f.rows);
  const out: string[] = [header.trimEnd(), ''];
  out.push(`${all.length} scenarios (${new Set(all.map((r) => r.tp)).size} test purposes; each Examples row of a Scenario Outline is a scenario of its own) in ${features.length} features. Line numbers are those of the scenario or Examples row. This document is generated by \`scripts/test-purposes-doc.ts\` from the features, \`harness/requirements.ts\` and \`tests/fault-expectations.json\`; \`npm test\` checks it is up to date.`, '');
  for (const f of features) {
    out.push(`## ${f.name}`, '', `\`${f.uri}\`. ${f.description}`, '', '| Test purpose | Clauses | Scenario | Caught by faults |', '|---|---|---|---|');
    for (const r of f.rows) out.push(`| \`${r.tp}\` | ${r.clauses.map((c) => c.replace(/^OBF-/, '')).join(', ')} | ${r.scenario} (line ${r.line}) | ${caughtBy(r.tp).join(', ') || '**none**'} |`);
    out.push('');
  }
  out.push('## Coverage by clause', '', 'Requirements of the catalogue and the test purposes that cover them (`TP/OBF/` left out).', '', '| Clause | Tag | Requirement | Test purposes |', '|---|---|---|---|');
  const uncovered: string[] = [];
  for (const req of REQUIREMENTS) {
    const tps = [...new Set(all.filter((r) => r.clauses.includes(req.id)).map((r) => `\`${short(r.tp)}\``))];
    if (tps.length === 0) uncovered.push(`${req.clause} (\`${req.id}\`)`);
    else out.push(`| ${req.clause} | \`${req.id}\` | ${req.title} | ${tps.join(', ')} |`);
  }
  out.push('');
  out.push(uncovered.length ? `Not covered yet (${uncovered.length} of ${REQUIREMENTS.length}; reports list them as \`not-covered\`): ${uncovered.join(', ')}.` : `Every one of the ${REQUIREMENTS.length} catalogued requirements has at least one scenario.`);
  const unknown = [...new Set(all.flatMap((r) => r.clauses))].filter((c) => !clauseOf(c));
  if (unknown.length) out.push('', `Clause tags not in the catalogue: ${unknown.join(', ')}.`);
  return `${out.join('\n')}\n`;
}

const HEADER_END = '\n## ';

function currentHeader(): string {
  const text = readFileSync(DOC, 'utf8');
  const cut = text.indexOf(HEADER_END);
  const head = cut < 0 ? text : text.slice(0, cut);
  // The generated count paragraph is the header's last paragraph: drop it so it is rewritten.
  return head.replace(/\n\d+ scenarios \([\s\S]*$/, '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const doc = render(currentHeader());
  const architecture = withFaultTable(readFileSync(ARCHITECTURE, 'utf8'));
  if (process.argv.includes('--check')) {
    const stale = [[DOC, doc], [ARCHITECTURE, architecture]].filter(([file, text]) => readFileSync(file, 'utf8') !== text).map(([file]) => path.relative(ROOT, file));
    if (stale.length) {
      console.error(`${stale.join(' and ')} out of date: run node --import tsx scripts/test-purposes-doc.ts`);
      process.exit(1);
    }
  } else {
    writeFileSync(DOC, doc);
    writeFileSync(ARCHITECTURE, architecture);
  }
}
