/**
 * A serving command started through npx follows npm when npm ends (npm does not pass SIGTERM on): no server is
 * left running re-parented to init (fresh-user trial, 2026-12-04). Started otherwise, it stays up until told to stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function serveUnderShortLivedParent(env: NodeJS.ProcessEnv): Promise<number> {
  // The shell stands in for npm: it starts the server in the background, prints its pid, and ends.
  const sh = spawn('sh', ['-c', `"${process.execPath}" bin/obf-conformance.js reference serve >/dev/null 2>&1 & echo $!; sleep 2`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sh.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((r) => sh.on('close', r));
  return Number(out.trim());
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

test('started by npx (npm_command=exec): stops when its parent ends', async () => {
  const pid = await serveUnderShortLivedParent({ ...process.env, npm_command: 'exec' });
  assert.ok(pid > 0);
  assert.ok(await waitGone(pid, 8000), `reference serve (pid ${pid}) still running after its parent ended`);
});

test('a port after --port that is busy is named in the error (the Authentication Server takes --port + 1)', async () => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as { port: number }).port;
  try {
    const r = spawn(process.execPath, ['bin/obf-conformance.js', 'reference', 'serve', '--port', String(busy - 1)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    r.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((res) => r.on('close', res));
    // busy - 1 itself may be taken by something else on a shared machine: then that one is named, also correctly.
    assert.equal(code, 2, err);
    assert.match(err, new RegExp(`cannot listen on port (${busy} \\(--port ${busy - 1} \\+ 1\\)|${busy - 1}) \\(EADDRINUSE\\)`));
  } finally {
    blocker.close();
  }
});

test('started otherwise (nohup-style): stays up after its parent ends, stops on SIGTERM', async () => {
  const env = { ...process.env };
  delete env.npm_command;
  const pid = await serveUnderShortLivedParent(env);
  assert.ok(pid > 0);
  try {
    assert.equal(await waitGone(pid, 1500), false, 'it stopped although nobody asked it to');
  } finally {
    process.kill(pid, 'SIGTERM');
  }
  assert.ok(await waitGone(pid, 8000), 'SIGTERM stops it');
});
