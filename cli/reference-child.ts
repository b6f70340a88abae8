/**
 * The reference servers in a child process (`obf-conformance reference serve`), for `load --server child` (the
 * generator and the server then run on different cores) and for the crash tests, which kill it with SIGKILL.
 * Resolves once the child has printed its URLs and tokens; rejects with the child's own error line otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../harness/suite-info.ts';

export interface ReferenceChild {
  process: ChildProcess;
  applicationServer: string;
  authenticationServer: string;
  resourceServer: string;
  tokens: { asAdmin: string; authAdmin: string; rsAdmin: string; rpr: string };
  /** Resolves with the exit code or signal once the child is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (an orderly stop) or any other signal; resolves when the child is gone. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startReferenceChild(opts: { data?: string; port?: number; faults?: string[]; timeoutMs?: number } = {}): Promise<ReferenceChild> {
  const args = [path.join(PROJECT_ROOT, 'bin', 'obf-conformance.js'), 'reference', 'serve', '--port', String(opts.port ?? 0)];
  if (opts.data !== undefined) args.push('--data', opts.data);
  for (const f of opts.faults ?? []) args.push('--reference-fault', f);
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`reference serve did not start within ${opts.timeoutMs ?? 20_000} ms`));
    }, opts.timeoutMs ?? 20_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = (name: string) => new RegExp(`${name}\\s+(http://\\S+)`).exec(out)?.[1];
      const token = (name: string) => new RegExp(`${name}\\s+http://\\S+\\s+admin token: (\\S+)`).exec(out)?.[1];
      const [as, auth, rs] = [url('Application Server'), url('Authentication Server'), url('Resource Server')];
      const [asAdmin, authAdmin, rsAdmin] = [token('Application Server'), token('Authentication Server'), token('Resource Server')];
      // The RPR token ends the last line: with its newline seen, no token above can be cut off mid-chunk.
      const rpr = /RPR token: (\S+)\n/.exec(out)?.[1];
      if (as && auth && rs && asAdmin && authAdmin && rsAdmin && rpr) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          process: child, applicationServer: as, authenticationServer: auth, resourceServer: rs, tokens: { asAdmin, authAdmin, rsAdmin, rpr }, exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`reference serve exited (${signal ?? `code ${code}`}) before it was ready: ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}
