/**
 * `run --shard i/n`: a stable share of the scenarios. Every scenario (every Examples row) is placed by its position
 * in the plan sorted by feature file and line, and shard i takes positions i-1, i-1+n, ...: the same checkout
 * always gives the same split, the shards are disjoint, together they are the whole suite, and their sizes differ
 * by at most one. `merge` refuses shards from different commits, so the split is always the same one.
 */
import { UsageError } from './usage-error.ts';
import type { Shard } from '../reports/certification.ts';

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`run: --shard '${text}' is not i/n (for example 2/4: the second of four shards)`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > 1000 || index < 1 || index > count) throw new UsageError(`run: --shard ${text}: i must be 1..n and n 1..1000`);
  return { index, count };
}

export interface PlannedScenario { uri: string; location: { line: number } }

export function selectShard<T extends PlannedScenario>(plan: readonly T[], shard: Shard): T[] {
  const sorted = [...plan].sort((a, b) => (a.uri === b.uri ? a.location.line - b.location.line : a.uri < b.uri ? -1 : 1));
  return sorted.filter((_, i) => i % shard.count === shard.index - 1);
}

/** Cucumber paths (`file:line:line`) that run exactly the given scenarios. */
export function shardPaths(root: string, selected: readonly PlannedScenario[], join: (root: string, uri: string) => string): string[] {
  const byUri = new Map<string, number[]>();
  for (const s of selected) byUri.set(s.uri, [...(byUri.get(s.uri) ?? []), s.location.line]);
  return [...byUri.entries()].map(([uri, lines]) => `${join(root, uri)}:${lines.join(':')}`);
}
