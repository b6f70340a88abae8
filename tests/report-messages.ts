/** Builds small synthetic Cucumber message streams for unit tests of the report builder. */

export interface FakeStep { text?: string; status: string; exception?: { type: string; message: string }; message?: string }
export interface FakeCase {
  name: string;
  tags: string[];
  /** One array of step results per attempt; an empty outer array means the case never started. */
  attempts: FakeStep[][];
  /** false: the last attempt has no testCaseFinished. */
  finished?: boolean;
  line?: number;
}

const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

export function fakeStream(cases: FakeCase[], options: { runFinished?: boolean; extra?: object[] } = {}): string {
  const uri = 'features/fake.feature';
  const out: object[] = [
    { meta: { protocolVersion: '32.2.0', implementation: { name: 'cucumber-js', version: '12.9.0' }, runtime: { name: 'node.js', version: '20.0.0' } } },
    { gherkinDocument: { uri, feature: { name: 'Fake feature', children: [] } } },
    ...(options.extra ?? []),
  ];
  let clock = 1_700_000_000_000;
  const maxSteps = Math.max(1, ...cases.flatMap((c) => c.attempts.map((a) => a.length)));
  cases.forEach((c, i) => {
    const steps = Array.from({ length: maxSteps }, (_, j) => ({ id: `p${i}s${j}`, text: c.attempts[0]?.[j]?.text ?? `step ${j}` }));
    out.push({ pickle: { id: `p${i}`, uri, name: c.name, location: { line: c.line ?? 10 + i }, astNodeIds: [`a${i}`], tags: c.tags.map((name) => ({ name })), steps } });
    out.push({ testCase: { id: `t${i}`, pickleId: `p${i}`, testSteps: steps.map((s, j) => ({ id: `t${i}s${j}`, pickleStepId: s.id })) } });
  });
  out.push({ testRunStarted: { id: 'run', timestamp: ts(clock) } });
  cases.forEach((c, i) => {
    c.attempts.forEach((results, attempt) => {
      const id = `t${i}a${attempt}`;
      out.push({ testCaseStarted: { id, testCaseId: `t${i}`, attempt, timestamp: ts(clock) } });
      results.forEach((r, j) => {
        clock += 5;
        const testStepResult = { status: r.status, duration: ts(5), ...(r.exception ? { exception: r.exception, message: `${r.exception.type}: ${r.exception.message}` } : {}), ...(r.message ? { message: r.message } : {}) };
        out.push({ testStepFinished: { testCaseStartedId: id, testStepId: `t${i}s${j}`, testStepResult, timestamp: ts(clock) } });
      });
      const last = attempt === c.attempts.length - 1;
      if (!last || c.finished !== false) out.push({ testCaseFinished: { testCaseStartedId: id, timestamp: ts(clock), willBeRetried: !last } });
    });
  });
  if (options.runFinished !== false) out.push({ testRunFinished: { testRunStartedId: 'run', timestamp: ts(clock), success: true } });
  return out.map((m) => JSON.stringify(m)).join('\n') + '\n';
}

export const PASSED: FakeStep = { status: 'PASSED' };
export const failedWith = (type: string, message: string): FakeStep => ({ status: 'FAILED', exception: { type, message } });
