/** Assertions for steps: a mismatch is a NonConformance (verdict fail), carrying expected and actual values. */
import { NonConformance } from './verdicts.ts';

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new NonConformance(what, String(expected), String(actual));
}

export function expectTrue(condition: boolean, what: string, expected: string, actual: string): void {
  if (!condition) throw new NonConformance(what, expected, actual);
}
