/**
 * A pseudo-terminal pair from socat (`socat pty,raw,echo=0,link=<dir>/ttyA pty,raw,echo=0,link=<dir>/ttyB`):
 * the two ends of a null-modem cable, one for a device, one for the harness. For tests, benchmarks and serving
 * the reference device; a lab's device has a real tty instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PtyPair {
  /** The device's end and the harness's end. */
  deviceEnd: string;
  harnessEnd: string;
  close(): Promise<void>;
}

export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-pty-'));
  const deviceEnd = path.join(dir, 'ttyA');
  const harnessEnd = path.join(dir, 'ttyB');
  const child: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${deviceEnd}`, `pty,raw,echo=0,link=${harnessEnd}`], { stdio: 'ignore' });
  let failed: Error | null = null;
  child.on('error', (e) => (failed = e));
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(deviceEnd) && existsSync(harnessEnd))) {
    if (failed || child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`socat did not make a pty pair within ${timeoutMs} ms${failed ? `: ${(failed as Error).message}` : ''} (is socat installed?)`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    deviceEnd,
    harnessEnd,
    close: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill();
        await Promise.race([gone, new Promise((r) => setTimeout(r, 1000))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
