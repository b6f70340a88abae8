/**
 * Runs one fuzz target: opens it, runs its property for a number of seeded cases, closes it. A case that throws
 * outside the documented outcomes, takes longer than the target's case timeout (async cases are cut off there;
 * a synchronous case is measured), or leaves an unhandled rejection or uncaught exception behind fails the run
 * with fast-check's report (seed and shrunk counterexample, to replay).
 */
import fc from 'fast-check';
import type { FuzzTarget } from './target.ts';

export interface FuzzRun {
  name: string;
  runs: number;
  ms: number;
  /** The slowest case, ms. */
  slowestMs: number;
}

export async function runFuzzTarget(target: FuzzTarget, opts: { runs: number; seed: number }): Promise<FuzzRun> {
  const stray: string[] = [];
  const onStray = (e: unknown) => stray.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  // Every case is timed through fast-check's global hooks (read when a property is built, so set before open());
  // async cases are also cut off by fast-check's timeout.
  let slowest = 0;
  let caseStart = 0;
  const before = () => { caseStart = performance.now(); };
  const after = () => { slowest = Math.max(slowest, performance.now() - caseStart); };
  const saved = fc.readConfigureGlobal();
  fc.configureGlobal({ ...saved, beforeEach: before, afterEach: after });
  let opened: Awaited<ReturnType<FuzzTarget['open']>> | undefined;
  const start = performance.now();
  try {
    opened = await target.open();
    await fc.assert(opened.property as fc.IAsyncProperty<unknown>, { numRuns: opts.runs, seed: opts.seed, timeout: target.caseTimeoutMs, includeErrorInReport: true });
    // Let late callbacks (timers, sockets) of the last cases surface before the verdict.
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    fc.configureGlobal(saved);
    await opened?.close?.();
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
  }
  const ms = performance.now() - start;
  if (stray.length) throw new Error(`${target.name}: ${stray.length} unhandled rejection(s)/exception(s), first: ${stray[0]}`);
  if (slowest > target.caseTimeoutMs) throw new Error(`${target.name}: a case took ${slowest.toFixed(0)} ms, over the ${target.caseTimeoutMs} ms bound`);
  return { name: target.name, runs: opts.runs, ms, slowestMs: slowest };
}
