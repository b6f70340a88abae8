/**
 * The serial device adapter over real ptys (socat): the reference device's AT interface end to end, and the
 * verdict each misbehaving device must give within the timeout plus a small margin (issue 5 item 3, issue 7
 * item 2): noise -> fail, echo -> handled, restart mid-command -> inconclusive, silence -> inconclusive and the
 * line resynchronised, ERROR -> fail, SIM failure -> inconclusive, the line vanishing -> inconclusive.
 */
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { openPtyPair, type PtyPair } from '../adapters/serial/pty-pair.ts';
import { openSerialDevice, type SerialDevice } from '../adapters/serial/serial-device.ts';
import { Trace } from '../adapters/trace.ts';
import { startSerialDevice } from '../reference-impl/index.ts';
import { Inconclusive, NonConformance } from '../harness/verdicts.ts';
import { readIccid } from '../harness/se-commands.ts';
import { fromHex } from '../protocol/hex.ts';
import { startMisbehavingSerial, type SerialMisbehaviour } from './misbehaving-serial-fixture.ts';
import fc from 'fast-check';
import { SerialPort } from 'serialport';

const ICCID = '89910000000000000145';
const TIMEOUT = 500;
const MARGIN = 1500;
const SAMPLE = fromHex('02700000281101001515A0000300000000000368E70C3223697031203132372E302E302E312038303830000000');
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function pty(): Promise<PtyPair> {
  const p = await openPtyPair();
  cleanup.push(() => p.close());
  return p;
}

async function adapter(path: string, trace?: Trace): Promise<SerialDevice> {
  const d = await openSerialDevice({ path, baudRate: 115200, timeoutMs: TIMEOUT, label: 'device A', ...(trace ? { trace: () => trace } : {}) });
  cleanup.push(() => d.close());
  return d;
}

async function misbehaving(m: SerialMisbehaviour): Promise<{ device: SerialDevice; heal(): void; pty: PtyPair }> {
  const p = await pty();
  const dev = await startMisbehavingSerial(p.deviceEnd, ICCID, m);
  cleanup.push(() => dev.close());
  return { device: await adapter(p.harnessEnd), heal: dev.heal, pty: p };
}

async function timed(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t = Date.now();
  try {
    await p;
    return { error: null, ms: Date.now() - t };
  } catch (e) {
    return { error: e, ms: Date.now() - t };
  }
}

describe('serial device adapter over a pty', { timeout: 60_000 }, () => {
  test('the reference device: state, AT+CSIM to its SE, uplink, downlink, every line traced', async () => {
    const p = await pty();
    const dev = await startSerialDevice({ iccid: ICCID, ptyPath: p.deviceEnd });
    cleanup.push(() => dev.close());
    const trace = new Trace();
    const d = await adapter(p.harnessEnd, trace);
    assert.deepEqual(await d.readState(), { ip1: null, ip2: null, commandsExecuted: 0 });
    assert.equal(await readIccid(d.secureElement), ICCID);
    const up = await d.requestUplink(new TextEncoder().encode('$HLM'), 1, true);
    assert.ok(up.ok && up.packet.length > 20);
    const down = await d.deliverDownlink(SAMPLE);
    assert.deepEqual(down, { accepted: false, stage: 'secure-element', reason: 'SE refused: 6982 (security status not satisfied: insufficient security level)', sw: '6982' });
    const text = trace.render();
    assert.match(text, / at {5}harness -> device A >> AT\+CSIM=14,"00A4000C022FE2"/);
    assert.match(text, / at {5}harness -> device A << \+OBFDL: 0,"secure-element","6982",/);
    assert.match(text, / apdu {3}harness -> SE A \(AT\+CSIM\) << [0-9A-F]{20} SW 9000/);
  });

  test('a device that echoes every line despite ATE0: the echo is skipped', async () => {
    const { device } = await misbehaving('echo-always');
    assert.deepEqual(await device.readState(), { ip1: null, ip2: null, commandsExecuted: 0 });
  });

  const verdicts: Array<[SerialMisbehaviour, typeof Inconclusive | typeof NonConformance, RegExp]> = [
    ['noise', NonConformance, /not an AT response line/],
    ['noise-unterminated', NonConformance, /no AT response line/],
    ['reset', Inconclusive, /restarted \(\+OBFRDY\) while AT\+OBFSTATE\? ran/],
    ['silent', Inconclusive, /no answer to AT\+OBFSTATE\? within 500 ms/],
    ['error', NonConformance, /AT\+OBFSTATE\? refused: expected OK, actual ERROR/],
  ];
  for (const [m, verdict, why] of verdicts) {
    test(`a device misbehaving '${m}': ${verdict.name} within the timeout`, async () => {
      const { device } = await misbehaving(m);
      const r = await timed(device.readState());
      assert.ok(r.error instanceof verdict && why.test(r.error.message), String(r.error));
      assert.ok(r.ms < TIMEOUT + MARGIN, `${r.ms} ms`);
    });
  }

  test('after a silent spell the adapter resynchronises and goes on', async () => {
    const { device, heal } = await misbehaving('silent');
    await assert.rejects(device.readState(), Inconclusive);
    heal();
    assert.deepEqual(await device.readState(), { ip1: null, ip2: null, commandsExecuted: 0 });
  });

  test('+CME ERROR: 13 to AT+CSIM (its SE unreachable): Inconclusive', async () => {
    const { device } = await misbehaving('sim-failure');
    await assert.rejects(device.secureElement.transmit(fromHex('00A4040005F04F424601')), (e: unknown) => e instanceof Inconclusive && /cannot reach its SE/.test(e.message));
  });

  test('the line vanishes (socat killed): Inconclusive within the timeout, never a hang', async () => {
    const { device, pty: p } = await misbehaving('none');
    await p.close();
    const r = await timed(device.readState());
    assert.ok(r.error instanceof Inconclusive, String(r.error));
    assert.ok(r.ms < TIMEOUT + MARGIN, `${r.ms} ms`);
  });

  test('a port that does not exist, and a port with nothing AT behind it: Inconclusive at open', async () => {
    await assert.rejects(openSerialDevice({ path: '/dev/obf-no-such-tty', baudRate: 115200, timeoutMs: TIMEOUT }), (e: unknown) => e instanceof Inconclusive && /cannot open/.test(e.message));
    const p = await pty();
    const r = await timed(openSerialDevice({ path: p.harnessEnd, baudRate: 115200, timeoutMs: TIMEOUT }));
    assert.ok(r.error instanceof Inconclusive && /no answer to ATE0/.test((r.error as Error).message), String(r.error));
    assert.ok(r.ms < TIMEOUT + MARGIN);
  });

  test('whatever bytes a device answers, every command ends in a result or Inconclusive / NonConformance, in bounded time', async () => {
    const p = await pty();
    const device = new SerialPort({ path: p.deviceEnd, baudRate: 115200, autoOpen: false, lock: false });
    await new Promise<void>((resolve, reject) => device.open((e) => (e ? reject(e) : resolve())));
    cleanup.push(() => new Promise<void>((resolve) => device.close(() => resolve())));
    let answer: Uint8Array = new TextEncoder().encode('\r\nOK\r\n');
    device.on('data', (c: Buffer) => {
      if (c.includes(13)) device.write(Buffer.from(answer));
    });
    const d = await openSerialDevice({ path: p.harnessEnd, baudRate: 115200, timeoutMs: 60 });
    cleanup.push(() => d.close());
    const printable = fc.constantFrom(...'\r\nOK+CSIM:OBFSTATE,"09AZ \\ERROR'.split(''));
    const answers = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.array(printable, { maxLength: 60 }).map((cs) => new TextEncoder().encode(cs.join(''))),
      fc.constantFrom('\r\n+OBFSTATE: "",0,"",0,0\r\nOK\r\n', '\r\n+OBFSTATE: 1\r\nOK\r\n', '\r\nOK\r\n', '\r\n+OBFRDY\r\n').map((t) => new TextEncoder().encode(t)),
    );
    await fc.assert(
      fc.asyncProperty(answers, async (bytes) => {
        answer = bytes;
        const t = Date.now();
        try {
          await d.readState();
        } catch (e) {
          if (!(e instanceof Inconclusive || e instanceof NonConformance)) throw e;
        }
        // One resynchronisation (AT) and the command itself, each within the timeout.
        assert.ok(Date.now() - t < 2 * 60 + MARGIN);
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});
