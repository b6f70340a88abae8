/**
 * Joining the run folders of a sharded campaign (`run --shard i/n` on several machines) into one certification
 * report: each shard's message stream is parsed on its own and the test cases are taken together; the shards must
 * come from the same suite commit, SUT, fault and tag filter, and a missing shard is a run fault, so a merged
 * report with a hole can never be "conformant".
 */
import type { ParsedRun } from './cucumber-messages.ts';
import { assembleCertification, type CertificationReport, type RunMetadata, type ShardRun } from './certification.ts';
import type { Waiver } from './waivers.ts';

export interface ShardInput { source: string; report: CertificationReport; parsed: ParsedRun }

/** Shards that cannot be merged at all (different suites or SUTs): the CLI shows it as a usage error. */
export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

/**
 * Refuses shards that differ in one respect, naming the values in words: a bare JSON null ("(null)") told the user
 * nothing, where "no reference fault" or "the whole suite" does.
 */
const same = <T>(inputs: readonly ShardInput[], what: string, get: (r: CertificationReport) => T, describe: (v: T) => string) => {
  const first = JSON.stringify(get(inputs[0].report));
  const other = inputs.find((i) => JSON.stringify(get(i.report)) !== first);
  if (other) throw new MergeError(`${other.source} has another ${what} (${describe(get(other.report))}) than ${inputs[0].source} (${describe(get(inputs[0].report))})`);
};

export function mergeShards(inputs: readonly ShardInput[], command: string, waivers?: { file: string; entries: Waiver[] }): CertificationReport {
  if (inputs.length === 0) throw new MergeError('give at least one run folder');
  same(inputs, 'suite (version and commit)', (r) => [r.suite.version, r.suite.commit] as const, ([v, c]) => `version ${v}, ${c === null ? 'commit unknown' : `commit ${c.slice(0, 12)}`}`);
  same(inputs, 'system under test', (r) => [r.sut.name, r.sut.kind, r.sut.identity] as const, ([name, kind, identity]) => `${name}, ${kind}${identity ? `, ${identity.vendor} ${identity.product} ${identity.version}` : ''}`);
  same(inputs, 'reference fault', (r) => r.sut.fault, (f) => (f === null ? 'no fault' : `fault ${f}`));
  same(inputs, 'tag filter', (r) => r.run.tags, (t) => (t === null ? 'no tag filter: the whole suite' : `tags ${t}`));
  const problems: string[] = [];
  const shards = inputs.map((i) => i.report.run.shard);
  const counts = [...new Set(shards.map((s) => s?.count ?? 0))];
  if (counts.length > 1) throw new MergeError(`the folders come from different splits (${shards.map((s) => (s ? `${s.index}/${s.count}` : 'whole run')).join(', ')})`);
  const n = counts[0];
  if (n > 0) {
    const seen = new Map<number, string>();
    for (const i of inputs) {
      const index = i.report.run.shard!.index;
      if (seen.has(index)) throw new MergeError(`shard ${index}/${n} is given twice (${seen.get(index)} and ${i.source})`);
      seen.set(index, i.source);
    }
    for (let k = 1; k <= n; k++) if (!seen.has(k)) problems.push(`shard ${k}/${n} is missing from the merge: its scenarios did not run`);
  } else if (inputs.length > 1) {
    problems.push(`${inputs.length} whole runs merged: each scenario ran more than once`);
  }
  const first = inputs[0].report;
  const join = (get: (r: CertificationReport) => string | null) => [...new Set(inputs.map((i) => get(i.report)).filter((v): v is string => v !== null))].join(', ') || null;
  const mergedFrom: ShardRun[] = inputs.map((i) => ({ shard: i.report.run.shard, startedAt: i.report.run.startedAt, finishedAt: i.report.run.finishedAt, scenarios: i.report.totals.scenarios, source: i.source }));
  const fromReports = first.waivers.entries.map(({ status: _s, ...w }) => w);
  const meta: RunMetadata = {
    suite: first.suite,
    sut: { ...first.sut },
    run: {
      startedAt: inputs.map((i) => i.report.run.startedAt).sort()[0],
      finishedAt: inputs.map((i) => i.report.run.finishedAt).sort().at(-1)!,
      tags: first.run.tags, command, lab: join((r) => r.run.lab), operator: join((r) => r.run.operator), shard: null,
      mergedFrom,
    },
    waivers: waivers ?? (first.waivers.file ? { file: first.waivers.file, entries: fromReports } : undefined),
    problems,
  };
  return assembleCertification(inputs.map((i) => i.parsed), meta);
}
