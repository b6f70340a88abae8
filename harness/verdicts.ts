/**
 * The five verdicts of a conformance run and the errors that produce them. A step that finds the product
 * misbehaving throws NonConformance (verdict fail); one whose SUT did not answer throws Inconclusive; a step that
 * returns 'skipped' (a capability the SUT does not declare) gives not-applicable; anything else thrown (a TypeError in the harness, a bad
 * configuration) is a harness fault and gives verdict error. The report keys on the error's class name, which
 * Cucumber records as the exception type.
 */

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'not-applicable' | 'error';

export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'not-applicable', 'error'];

/** The product did something the profile forbids, or failed to do what it requires. */
export class NonConformance extends Error {
  constructor(message: string, readonly expected?: string, readonly actual?: string) {
    // One line, so every report's "reason" (the first line of the message) carries both values.
    super(expected !== undefined || actual !== undefined ? `${message}: expected ${expected}, actual ${actual}` : message);
    this.name = 'NonConformance';
  }
}

/** The SUT did not answer (timeout, connection lost): no verdict on the product can be given. */
export class Inconclusive extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Inconclusive';
  }
}

/** The scenario needs a capability the system under test does not declare (its PICS): verdict not applicable. */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotApplicable';
  }
}

/** The harness itself, or its configuration, is at fault. */
export class HarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarnessError';
  }
}

/** Verdict of one scenario from Cucumber's worst step status and, for a failure, the exception type. */
export function verdictOf(status: string, exceptionType?: string): Verdict {
  switch (status) {
    case 'PASSED':
      return 'pass';
    case 'SKIPPED':
      return 'not-applicable';
    case 'FAILED':
      if (exceptionType === 'NonConformance') return 'fail';
      if (exceptionType === 'Inconclusive') return 'inconclusive';
      if (exceptionType === 'NotApplicable') return 'not-applicable';
      return 'error';
    default: // UNDEFINED, AMBIGUOUS, PENDING, UNKNOWN: the suite itself is incomplete
      return 'error';
  }
}

/**
 * Overall verdict of a set of scenario verdicts: a product failure is a definite finding and wins; otherwise a
 * harness error invalidates the run; otherwise an inconclusive one keeps it from passing. Not-applicable ones
 * do not count; a set with nothing applicable is inconclusive (nothing was shown).
 */
export function overallVerdict(verdicts: Verdict[]): Exclude<Verdict, 'not-applicable'> {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return verdicts.includes('pass') ? 'pass' : 'inconclusive';
}
