/** Shared by the commands that keep a loopback server up: listen errors a user can fix become usage errors; Ctrl-C stops. */
import { UsageError } from './usage-error.ts';

export interface Closable {
  close(): Promise<void>;
}

export async function listenOrExplain<T extends Closable>(command: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`${command}: cannot listen on port ${port} (${code}); choose another --port or leave it out`);
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
      const watch = setInterval(() => {
        if (process.ppid === parent) return;
        console.log('the npm/npx process that started this command ended: stopping.');
        resolve();
      }, 500);
      watch.unref();
    }
  });
  clearInterval(keepAlive);
  await server.close();
}
