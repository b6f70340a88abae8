/** reports/merge.ts on shards that cannot be merged: the message names both values in words. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MergeError, mergeShards, type ShardInput } from '../reports/merge.ts';
import type { CertificationReport } from '../reports/certification.ts';

function shard(source: string, fault: string | null, tags: string | null): ShardInput {
  const report = {
    suite: { name: 'obf-conformance', version: '1.0.0', commit: null, dirty: false },
    sut: { kind: 'reference', name: 'OBF reference implementation', description: '', fault, identity: null },
    run: { tags, shard: { index: 1, count: 2 } },
  } as unknown as CertificationReport;
  return { source, report, parsed: undefined as unknown as ShardInput['parsed'] };
}

test('a shard with a fault beside one without: "no fault", never "(null)"', () => {
  assert.throws(() => mergeShards([shard('/r/shard1', null, null), shard('/r/shard2', 'se-skip-replay-check', null)], 'merge'), (e: unknown) => {
    assert.ok(e instanceof MergeError);
    assert.equal(e.message, '/r/shard2 has another reference fault (fault se-skip-replay-check) than /r/shard1 (no fault)');
    return true;
  });
});

test('a tag-filtered shard beside a whole-suite one names both', () => {
  assert.throws(() => mergeShards([shard('/r/shard1', null, '@a'), shard('/r/shard2', null, null)], 'merge'), (e: unknown) => {
    assert.ok(e instanceof MergeError);
    assert.doesNotMatch(e.message, /null/);
    assert.equal(e.message, '/r/shard2 has another tag filter (no tag filter: the whole suite) than /r/shard1 (tags @a)');
    return true;
  });
});
