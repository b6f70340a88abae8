/**
 * Reads Cucumber's message stream (the NDJSON written by the `message` formatter) into one outcome per test
 * case. Only the fields the reports need are typed here, so the module does not depend on @cucumber/messages.
 * Retried test cases keep their last attempt; a test case that never started or never finished is reported as
 * such (status UNKNOWN) rather than dropped.
 */

interface Timestamp { seconds: number; nanos: number }
interface StepResult { status: string; duration?: Timestamp; message?: string; exception?: { type: string; message?: string } }
interface Tag { name: string }
interface Pickle { id: string; uri: string; name: string; location?: { line: number }; astNodeIds: string[]; tags: Tag[]; steps: { id: string; text: string }[] }
interface TestCase { id: string; pickleId: string; testSteps: { id: string; pickleStepId?: string; hookId?: string }[] }
interface Attempt { id: string; testCaseId: string; attempt: number; started: number; finished: number | null; steps: { testStepId: string; result: StepResult }[] }
interface GherkinRow { id: string; cells: { value: string }[] }
interface GherkinScenario { examples?: { tableHeader?: { cells: { value: string }[] }; tableBody?: GherkinRow[] }[] }
interface GherkinChild { scenario?: GherkinScenario; rule?: { children?: GherkinChild[] } }
interface GherkinDocument { uri?: string; feature?: { name: string; children?: GherkinChild[] } }

/** Outcome of one test case (one pickle: a scenario or one Examples row of an outline). */
export interface TestCaseOutcome {
  name: string;
  uri: string;
  line: number;
  feature: string;
  tags: string[];
  /** Values of the Examples row this test case was compiled from, or null for a plain scenario. */
  example: Record<string, string> | null;
  /** Worst step status of the last attempt (Cucumber's order: FAILED > AMBIGUOUS > UNDEFINED > PENDING > SKIPPED > PASSED > UNKNOWN). */
  status: string;
  /** exception.type of the first step (or hook) with that worst status, if Cucumber recorded one. */
  exceptionType: string | null;
  /** First line of the error message, or a sentence built from the status, for anything but PASSED. */
  reason: string | null;
  durationMs: number;
  attempts: number;
}

export interface ParsedRun {
  testCases: TestCaseOutcome[];
  /** Run-level faults: unparsable features or message lines, failed BeforeAll/AfterAll hooks, an aborted run. */
  problems: string[];
  cucumberVersion: string | null;
  nodeVersion: string | null;
  /** testRunFinished.success, or null when the stream has no testRunFinished (the run was cut short). */
  success: boolean | null;
}

const STATUS_ORDER = ['UNKNOWN', 'PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED'];
const rank = (status: string) => STATUS_ORDER.indexOf(status);
const toMs = (t: Timestamp | undefined) => (t ? t.seconds * 1000 + t.nanos / 1e6 : 0);
const firstLine = (text: string | undefined) => (text ?? '').split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? null;

function examplesOf(doc: GherkinDocument, into: Map<string, Record<string, string>>): void {
  const walk = (children: GherkinChild[] | undefined) => {
    for (const child of children ?? []) {
      if (child.rule) walk(child.rule.children);
      for (const examples of child.scenario?.examples ?? []) {
        const headers = examples.tableHeader?.cells.map((c) => c.value) ?? [];
        for (const row of examples.tableBody ?? []) {
          into.set(row.id, Object.fromEntries(headers.map((h, i) => [h, row.cells[i]?.value ?? ''])));
        }
      }
    }
  };
  walk(doc.feature?.children);
}

function reasonFor(status: string, result: StepResult | undefined, stepText: string): string | null {
  if (status === 'PASSED') return null;
  const fromError = firstLine(result?.exception?.message) ?? firstLine(result?.message);
  switch (status) {
    case 'FAILED':
      return fromError ?? `step failed without a message: ${stepText}`;
    case 'AMBIGUOUS':
      return `ambiguous step (several step definitions match): ${stepText}`;
    case 'UNDEFINED':
      return `undefined step (no step definition matches): ${stepText}`;
    case 'PENDING':
      return `pending step (not implemented yet): ${stepText}`;
    case 'SKIPPED':
      return fromError ?? `skipped at step: ${stepText}`;
    default:
      return 'no step result was recorded';
  }
}

export function parseMessageStream(ndjson: string): ParsedRun {
  const features = new Map<string, string>();
  const examples = new Map<string, Record<string, string>>();
  const pickles = new Map<string, Pickle>();
  const hooks = new Map<string, string>();
  const testCases: TestCase[] = [];
  const attempts = new Map<string, Attempt>();
  const problems: string[] = [];
  let cucumberVersion: string | null = null;
  let nodeVersion: string | null = null;
  let success: boolean | null = null;

  ndjson.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let envelope: Record<string, any>;
    try {
      envelope = JSON.parse(line) as Record<string, any>;
    } catch {
      problems.push(`message stream line ${index + 1} is not JSON (truncated stream?)`);
      return;
    }
    if (envelope.meta) {
      cucumberVersion = envelope.meta.implementation?.version ?? null;
      nodeVersion = envelope.meta.runtime?.version ?? null;
    } else if (envelope.gherkinDocument) {
      const doc = envelope.gherkinDocument as GherkinDocument;
      if (doc.uri) features.set(doc.uri, doc.feature?.name ?? '');
      examplesOf(doc, examples);
    } else if (envelope.hook) {
      const h = envelope.hook;
      const where = h.sourceReference?.uri ? `${h.sourceReference.uri}:${h.sourceReference.location?.line ?? '?'}` : h.id;
      hooks.set(h.id, h.name ? `"${h.name}" (${where})` : where);
    } else if (envelope.pickle) {
      pickles.set(envelope.pickle.id, envelope.pickle as Pickle);
    } else if (envelope.testCase) {
      testCases.push(envelope.testCase as TestCase);
    } else if (envelope.testCaseStarted) {
      const s = envelope.testCaseStarted;
      attempts.set(s.id, { id: s.id, testCaseId: s.testCaseId, attempt: s.attempt ?? 0, started: toMs(s.timestamp), finished: null, steps: [] });
    } else if (envelope.testStepFinished) {
      const f = envelope.testStepFinished;
      attempts.get(f.testCaseStartedId)?.steps.push({ testStepId: f.testStepId, result: f.testStepResult as StepResult });
    } else if (envelope.testCaseFinished) {
      const a = attempts.get(envelope.testCaseFinished.testCaseStartedId);
      if (a) a.finished = toMs(envelope.testCaseFinished.timestamp);
    } else if (envelope.parseError) {
      const e = envelope.parseError;
      problems.push(`feature file could not be parsed: ${e.source?.uri ?? '?'}: ${firstLine(e.message) ?? ''}`);
    } else if (envelope.testRunHookFinished) {
      const r = envelope.testRunHookFinished.result as StepResult;
      if (r.status !== 'PASSED') problems.push(`run-level hook (BeforeAll/AfterAll) ${r.status}: ${firstLine(r.exception?.message ?? r.message) ?? ''}`);
    } else if (envelope.testRunFinished) {
      const f = envelope.testRunFinished;
      success = typeof f.success === 'boolean' ? f.success : null;
      const why = firstLine(f.exception?.message ?? f.message);
      if (why) problems.push(`test run aborted: ${why}`);
    }
  });
  if (success === null) problems.push('the message stream has no testRunFinished: the run did not complete');

  const lastAttempt = new Map<string, Attempt>();
  const attemptCounts = new Map<string, number>();
  for (const a of attempts.values()) {
    attemptCounts.set(a.testCaseId, (attemptCounts.get(a.testCaseId) ?? 0) + 1);
    const seen = lastAttempt.get(a.testCaseId);
    if (!seen || a.attempt >= seen.attempt) lastAttempt.set(a.testCaseId, a);
  }

  const outcomes = testCases.flatMap((tc): TestCaseOutcome[] => {
    const pickle = pickles.get(tc.pickleId);
    if (!pickle) {
      problems.push(`test case ${tc.id} refers to an unknown pickle ${tc.pickleId}`);
      return [];
    }
    const exampleRow = pickle.astNodeIds.length > 1 ? examples.get(pickle.astNodeIds[pickle.astNodeIds.length - 1]) : undefined;
    const base = {
      name: pickle.name,
      uri: pickle.uri,
      line: pickle.location?.line ?? 0,
      feature: features.get(pickle.uri) ?? '',
      tags: [...new Set(pickle.tags.map((t) => t.name))],
      example: exampleRow ?? null,
    };
    const attempt = lastAttempt.get(tc.id);
    if (!attempt) return [{ ...base, status: 'UNKNOWN', exceptionType: null, reason: 'not executed: the run ended before this scenario started', durationMs: 0, attempts: 0 }];

    let worst: { testStepId: string; result: StepResult } | undefined;
    for (const s of attempt.steps) if (!worst || rank(s.result.status) > rank(worst.result.status)) worst = s;
    let status = worst?.result.status ?? 'UNKNOWN';
    const step = tc.testSteps.find((s) => s.id === worst?.testStepId);
    const stepText = step?.pickleStepId
      ? (pickle.steps.find((p) => p.id === step.pickleStepId)?.text ?? '?')
      : step?.hookId ? `hook ${hooks.get(step.hookId) ?? step.hookId}` : '?';
    let reason = reasonFor(status, worst?.result, stepText);
    if (attempt.finished === null && status !== 'FAILED') {
      status = 'UNKNOWN';
      reason = 'the scenario started but never finished (run interrupted)';
    } else if (attempt.steps.length === 0) {
      reason = 'the scenario has no steps';
    }
    const durationMs = attempt.finished !== null
      ? attempt.finished - attempt.started
      : attempt.steps.reduce((sum, s) => sum + toMs(s.result.duration), 0);
    const exceptionType = worst?.result.status === 'FAILED' ? (worst.result.exception?.type ?? null) : null;
    return [{ ...base, status, exceptionType, reason, durationMs: Math.round(durationMs * 1000) / 1000, attempts: attemptCounts.get(tc.id) ?? 0 }];
  });
  outcomes.sort((a, b) => (a.uri === b.uri ? a.line - b.line : a.uri < b.uri ? -1 : 1));
  return { testCases: outcomes, problems, cucumberVersion, nodeVersion, success };
}
