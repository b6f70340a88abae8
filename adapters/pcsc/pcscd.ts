/**
 * pcscd for the project's own runs (tests, CI, benchmarks, serving the reference card): start it when it is not
 * running (no systemd here: `pcscd -f` in the background, stale /run/pcscd files removed first), wait until vpcd's
 * readers show up, and take a vpcd reader for this process only (two processes' virtual cards on one vpcd port
 * would replace each other). A lab with its own reader needs none of this.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { Context } from 'smartcard';

/** vpcd's readers (vsmartcard-vpcd's /etc/reader.conf.d/vpcd) and the TCP port each waits for its card on. */
export const VPCD_READERS = [
  { reader: 'Virtual PCD 00 00', port: 35963 },
  { reader: 'Virtual PCD 00 01', port: 35964 },
] as const;

/** Loopback address with delayed ACKs off (see ensureQuickAckRoute); 127.0.0.1 when that route cannot be made. */
export const QUICKACK_HOST = '127.0.0.2';

function readerNames(): string[] | null {
  let c: InstanceType<typeof Context> | null = null;
  try {
    c = new Context();
    return c.listReaders().map((r) => r.name);
  } catch (e) {
    // No service: pcscd is not running. No readers: it runs without vpcd.
    return /no readers|0x8010002e/i.test((e as Error).message) ? [] : null;
  } finally {
    c?.close();
  }
}

/**
 * Start pcscd unless it answers, and wait for the vpcd readers. Without `-a`: APDU logging would write card
 * answers (GBA NAF keys among them) to the log. Returns the card host to use (QUICKACK_HOST when possible).
 */
export async function ensurePcscd(opts: { timeoutMs?: number; log?: string } = {}): Promise<{ started: boolean; cardHost: string }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let started = false;
  if (readerNames() === null) {
    // A pcscd killed with SIGKILL leaves these behind, and the next one refuses to start.
    for (const f of ['/run/pcscd/pcscd.comm', '/run/pcscd/pcscd.pid']) rmSync(f, { force: true });
    const out = openSync(opts.log ?? '/tmp/obf-pcscd.log', 'a');
    const child = spawn('pcscd', ['-f'], { detached: true, stdio: ['ignore', out, out] });
    child.on('error', () => undefined);
    child.unref();
    started = true;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = readerNames();
    if (names && VPCD_READERS.every((r) => names.includes(r.reader))) break;
    if (Date.now() > deadline) {
      throw new Error(names === null ? `pcscd did not start within ${timeoutMs} ms (is it installed? see /tmp/obf-pcscd.log)` : `pcscd runs but vpcd's readers are missing (found: ${names.join(', ') || 'none'}; is vsmartcard-vpcd installed?)`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { started, cardHost: ensureQuickAckRoute() ? QUICKACK_HOST : '127.0.0.1' };
}

/**
 * vpcd writes each message's two-byte length and its payload in two send() calls without TCP_NODELAY, so the
 * payload waits (Nagle) for the ACK of the length, which the card's kernel delays by 40 ms: about 44 ms per APDU.
 * A loopback route with `quickack 1` to a second address makes the card's side ACK at once (0.3 ms per APDU).
 * Needs root (CI and this machine); only the route to 127.0.0.2 is touched.
 */
export function ensureQuickAckRoute(): boolean {
  const show = () => spawnSync('ip', ['route', 'show', 'table', 'local', `${QUICKACK_HOST}/32`], { encoding: 'utf8' });
  const has = () => /quickack 1/.test(show().stdout ?? '');
  if (has()) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip') && !existsSync('/usr/bin/ip')) return false;
  spawnSync('ip', ['route', 'replace', 'local', `${QUICKACK_HOST}/32`, 'dev', 'lo', 'table', 'local', 'quickack', '1']);
  return has();
}

/**
 * Hold vpcd reader `index` for this process: an abstract Unix socket named for the port, which the kernel frees
 * when the process dies (no stale lock). Waits up to timeoutMs for another run to finish with it.
 */
export async function holdVpcdReader(index: number, timeoutMs: number): Promise<{ reader: string; port: number; release(): void }> {
  const slot = VPCD_READERS[index];
  if (!slot) throw new RangeError(`vpcd has readers 0 and 1 only, not ${index}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(`\0obf-conformance-vpcd-${slot.port}`, () => resolve(true));
    });
    if (ok) {
      server.unref();
      return { reader: slot.reader, port: slot.port, release: () => server.close() };
    }
    if (Date.now() > deadline) throw new Error(`vpcd reader '${slot.reader}' stays in use by another process (waited ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
