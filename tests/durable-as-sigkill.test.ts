/**
 * Durable state of the reference Application Server (issue 7 item 3; docs/reference-implementation.md): the
 * server runs as a child process (`obf-conformance reference serve --data <file>`), several simulated devices send
 * uplink traffic, the server is killed with SIGKILL mid-traffic and restarted on the same file. Then no packet
 * accepted before the kill is accepted again (B.2 device-to-server 3), no imported key is lost (every device's next
 * packet is accepted), and no counter went backwards (the file holds at least every counter the devices saw
 * accepted, and the downlink counter carries on above the last one sent, B.2.2.3.3).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startReferenceChild, type ReferenceChild } from '../cli/reference-child.ts';
import { SimulatedDevice, type SentPacket } from '../harness/load/simulated-device.ts';
import { JsonClient, TransportError, refusalCode } from '../harness/load/json-client.ts';
import { importDevices } from '../harness/load/load-generator.ts';
import { readUint, fromHex } from '../protocol/hex.ts';
import { decodeCommandPacket } from '../protocol/ts-102-225.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-durable-as-'));
const data = path.join(dir, 'reference.db');
const children: ReferenceChild[] = [];
after(async () => {
  for (const c of children) await c.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const DEVICES = 6;
/** Kill once the devices together have this many packets accepted. */
const ACCEPTED_BEFORE_KILL = 150;

interface DeviceLog {
  device: SimulatedDevice;
  accepted: SentPacket[];
  /** The packet in flight when the server died: accepted or not, nobody knows. */
  unanswered: SentPacket | null;
  downlinkCounters: bigint[];
}

/** The counter of a command the AS made for the device (its encryption keys are the device's keyset here). */
const downlinkCounter = (d: SimulatedDevice, packet: unknown): bigint => readUint(decodeCommandPacket(fromHex(String(packet)), { kic: d.keys.kic, kid: d.keys.kid }).cntr!);

async function start(): Promise<{ child: ReferenceChild; client: JsonClient }> {
  const child = await startReferenceChild({ data });
  children.push(child);
  return { child, client: new JsonClient(child.applicationServer, { timeoutMs: 5000, headers: { authorization: `Bearer ${child.tokens.asAdmin}` } }) };
}

/** Each device sends packets one after another (one in flight, as one SE gives them) until the server is gone. */
async function traffic(client: JsonClient, log: DeviceLog, total: () => number, onAccepted: () => void): Promise<void> {
  for (;;) {
    const p = log.device.nextPacket();
    log.unanswered = p;
    let a;
    try {
      a = await client.post('decrypt', log.device.decryptRequest(p));
    } catch (e) {
      if (e instanceof TransportError) return;
      throw e;
    }
    log.unanswered = null;
    assert.equal(a.status, 200, `${log.device.iccid} counter ${p.counter}: ${refusalCode(a)}`);
    assert.equal(a.body.data, p.data);
    log.accepted.push(p);
    onAccepted();
    // Now and then a downlink command, so the downlink counter moves too.
    if (total() % 10 === 0) {
      const e = await client.post('encrypt', { iccid: log.device.iccid, keyIndex: 1, data: '2369703120312e322e332e342035', replayCheck: true }).catch(() => null);
      if (e === null) return;
      assert.equal(e.status, 200, refusalCode(e));
      log.downlinkCounters.push(downlinkCounter(log.device, e.body.packet));
    }
  }
}

test('SIGKILL mid-traffic: after a restart on the same data file no accepted packet is accepted again, no key is lost, no counter goes back', { timeout: 90_000 }, async () => {
  let { child, client } = await start();
  const logs: DeviceLog[] = Array.from({ length: DEVICES }, (_, i) => ({ device: new SimulatedDevice(SimulatedDevice.iccidFor(process.pid, i)), accepted: [], unanswered: null, downlinkCounters: [] }));
  await importDevices(client, logs.map((l) => l.device));
  // The same keyset as the AS's encryption keys too, for the downlink counter.
  for (const l of logs) assert.equal((await client.post('keys', { ...l.device.importRequest(), keyFunction: 'encrypt' })).status, 201);

  let accepted = 0;
  let killed: Promise<unknown> | null = null;
  const onAccepted = () => {
    accepted++;
    if (accepted === ACCEPTED_BEFORE_KILL) killed = child.stop('SIGKILL');
  };
  await Promise.all(logs.map((l) => traffic(client, l, () => accepted, onAccepted)));
  assert.ok(killed, 'the server died before the devices reached the kill point');
  assert.deepEqual(await killed, { code: null, signal: 'SIGKILL' });
  client.close();
  assert.ok(logs.every((l) => l.accepted.length > 0), 'every device had packets accepted before the kill');
  const inFlight = logs.filter((l) => l.unanswered !== null).length;
  assert.ok(inFlight > 0, 'some packets were in flight when the server was killed');

  // What the dead server left on disk: every key, and every counter at least as high as the devices saw accepted.
  const db = new Database(data, { readonly: true });
  try {
    for (const l of logs) {
      const keys = db.prepare('SELECT key_function FROM as_keys WHERE iccid = ? ORDER BY key_function').all(l.device.iccid) as { key_function: string }[];
      assert.deepEqual(keys.map((k) => k.key_function), ['decrypt', 'encrypt'], `keys of ${l.device.iccid}`);
      const counter = (direction: string) => (db.prepare('SELECT counter FROM as_counters WHERE iccid = ? AND direction = ?').get(l.device.iccid, direction) as { counter: number } | undefined)?.counter ?? 0;
      assert.ok(BigInt(counter('uplink')) >= l.accepted.at(-1)!.counter, `uplink counter of ${l.device.iccid} on disk`);
      if (l.downlinkCounters.length) assert.ok(BigInt(counter('downlink')) >= l.downlinkCounters.at(-1)!, `downlink counter of ${l.device.iccid} on disk`);
    }
  } finally {
    db.close();
  }

  ({ child, client } = await start());
  try {
    for (const l of logs) {
      for (const p of l.accepted) {
        const a = await client.post('decrypt', l.device.decryptRequest(p));
        assert.equal(refusalCode(a), 'REPLAY', `${l.device.iccid} counter ${p.counter} was accepted before the kill and again after it`);
      }
      if (l.unanswered) {
        // Committed before the kill or never seen: either way it may be accepted at most once.
        const first = await client.post('decrypt', l.device.decryptRequest(l.unanswered));
        assert.ok(first.status === 200 || refusalCode(first) === 'REPLAY', refusalCode(first));
        assert.equal(refusalCode(await client.post('decrypt', l.device.decryptRequest(l.unanswered))), 'REPLAY');
      }
      const next = l.device.nextPacket();
      const a = await client.post('decrypt', l.device.decryptRequest(next));
      assert.equal(a.status, 200, `${l.device.iccid}: its key and counter survived (${refusalCode(a)})`);
      assert.equal(a.body.data, next.data);
      const e = await client.post('encrypt', { iccid: l.device.iccid, keyIndex: 1, data: '2369703120312e322e332e342035', replayCheck: true });
      assert.equal(e.status, 200, refusalCode(e));
      const downlink = downlinkCounter(l.device, e.body.packet);
      assert.ok(downlink > (l.downlinkCounters.at(-1) ?? 0n), `${l.device.iccid}: downlink counter ${downlink} after the restart is above the last one sent`);
    }
  } finally {
    client.close();
    assert.deepEqual(await child.stop('SIGTERM'), { code: 0, signal: null }, 'an orderly stop after the restart');
  }
});
