/** Shared by the commands that keep a loopback server up: listen errors a user can fix become usage errors; Ctrl-C stops. */
import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error.ts';

/** The parent pid of a process, from /proc (Linux); undefined where that cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Closable {
  close(): Promise<void>;
}

export async function listenOrExplain<T extends Closable>(command: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The busy port may be one after --port (the Authentication or Resource Server's): name the one that failed.
    const failed = (e as { port?: number }).port ?? port;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`${command}: cannot listen on port ${failed}${failed !== port ? ` (--port ${port} + ${failed - port})` : ''} (${code}); choose another --port or leave it out`);
    throw e;
  }
}

export async function serveUntilStopped(server: Closable): Promise<void> {
  console.log('Ctrl-C to stop.');
  // A virtual card between reconnections holds no handle: without this timer Node would exit as if stopped.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Started by npx / npm exec: npm does not pass a SIGTERM on to us, so when it ends we would be left serving,
    // re-parented to init. Follow it instead. (Started any other way, e.g. with nohup, we stay up as asked.)
    if (process.env.npm_command === 'exec') {
      const parent = process.ppid;
      // npm starts us through `sh -c`, which outlives a killed npm: watch npm itself (the shell's parent) too.
      const npm = parentOf(parent);
      const watch = setInterval(() => {
        if (process.ppid === parent && (npm === undefined || alive(npm))) return;
        console.log('the npm/npx process that started this command ended: stopping.');
        resolve();
      }, 500);
      watch.unref();
    }
  });
  clearInterval(keepAlive);
  await server.close();
}
