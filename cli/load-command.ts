/**
 * `load`: many simulated devices send uplink packets to an Application Server (issue 7 item 6), by default the
 * reference one started in this process (or as a child process), and the run reports accepted packets per second,
 * p50 and p99 latency, refusals by reason, memory per simulated device, and checks that every fresh packet was
 * accepted exactly once and every deliberate replay refused (harness/load/load-generator.ts).
 */
import { statSync } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs } from './args.ts';
import { DataFileError, startReferenceServers } from '../adapters/index.ts';
import { startReferenceChild } from './reference-child.ts';
import { SimulatedDevice } from '../harness/load/simulated-device.ts';
import { JsonClient } from '../harness/load/json-client.ts';
import { importDevices, runLoad, type LoadReport } from '../harness/load/load-generator.ts';

const HELP = `Usage: obf-conformance load [--devices <n>] [--rate <packets/s>] [--duration <s>] [--replay-every <n>]
                            [--connections <n>] [--server in-process|child] [--data <file>] [--json]

Simulate many devices sending uplink packets (POST /obf/v1/decrypt, SPI 16 00, AES-128, one packet in flight
per device) to the reference Application Server, at a fixed total rate. Prints accepted packets per second,
p50 and p99 latency, refusals by reason and memory per simulated device, and checks that every packet sent was
accepted exactly once and every deliberate replay refused with REPLAY. Memory figures are heap differences:
meaningful from about a thousand devices.

Options:
  --devices <n>         simulated devices, each with its own ICCID and keyset (default 100; at most 1000000)
  --rate <packets/s>    packets per second, all devices together (default 1000)
  --duration <s>        how long to send, in seconds (default 10; at most 3600)
  --replay-every <n>    every n-th send replays a packet already accepted (default 20; 0: none)
  --connections <n>     packets in flight at most, on as many keep-alive connections (default 32); a send
                        that finds them all busy is skipped and counted, as one whose device is busy
  --server <where>      in-process (default) or child: the reference servers in a child process, so that
                        generator and server run on different cores
  --data <file>         the reference keeps its state in this SQLite file (every counter on disk before the
                        answer), instead of in memory; shows what durability costs
  --json                print the report as JSON
  -h, --help            show this help

Exit codes: 0 every check held; 1 a check failed; 2 bad usage.
Third-party Application Servers (--target <file>) come with the target file.`;

function positive(name: string, text: string | undefined, fallback: number, max: number, integer: boolean, zero = false): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && (zero ? v >= 0 : v > 0) && v <= max;
  // "an integer 1..1000000", "a number above 0, at most 3600": a range the user can read at a glance.
  const range = integer ? `${zero ? 0 : 1}..${max}` : `${zero ? '0 or more' : 'above 0'}, at most ${max}`;
  if (!ok) throw new UsageError(`load: --${name} must be ${integer ? 'an integer' : 'a number'} ${range}, got '${text}'`);
  return v;
}

/** The JS heap in use after a full collection (v8's gc, exposed for this measurement only). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const bytes = (v: number) => (v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${Math.round(v)} B`);

export async function loadCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('load', {
    args,
    options: {
      devices: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, 'replay-every': { type: 'string' }, connections: { type: 'string' },
      server: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const devices = positive('devices', values.devices, 100, 1_000_000, true);
  const rate = positive('rate', values.rate, 1000, 1_000_000, false);
  const duration = positive('duration', values.duration, 10, 3600, false);
  const replayEvery = positive('replay-every', values['replay-every'], 20, 1_000_000, true, true);
  const connections = positive('connections', values.connections, 32, 1024, true);
  const where = values.server ?? 'in-process';
  if (where !== 'in-process' && where !== 'child') throw new UsageError(`load: --server must be in-process or child, got '${where}'`);
  if (values.data === '') throw new UsageError('load: --data needs a file name');

  const heap0 = heapAfterGc();
  const run = Math.floor(Math.random() * 1_000_000);
  const sims = Array.from({ length: devices }, (_, i) => SimulatedDevice.iccidFor(run, i)).map((iccid) => new SimulatedDevice(iccid));
  const heap1 = heapAfterGc();

  // adminToken: the reference AS's key import needs it (docs/profile/http-api.md 1).
  let server: { url: string; adminToken: string; close(): Promise<unknown> };
  try {
    if (where === 'child') {
      const child = await startReferenceChild({ data: values.data });
      server = { url: child.applicationServer, adminToken: child.tokens.asAdmin, close: () => child.stop() };
    } else {
      const s = await startReferenceServers({ port: 0, faults: [], data: values.data });
      server = { url: s.applicationServer, adminToken: s.tokens.asAdmin, close: () => s.close() };
    }
  } catch (e) {
    if (e instanceof DataFileError) throw new UsageError(`load: ${e.message}`);
    if (where === 'child' && e instanceof Error && /cannot use/.test(e.message)) throw new UsageError(`load: ${e.message.replace(/^.*?: obf-conformance: reference serve: /, '')}`);
    throw e;
  }
  const stop = () => void server.close().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  let report: LoadReport;
  let serverPerDevice: number | null = null;
  try {
    const heap2 = heapAfterGc();
    const client = new JsonClient(server.url, { headers: { authorization: `Bearer ${server.adminToken}` } });
    await importDevices(client, sims);
    client.close();
    if (where === 'in-process') serverPerDevice = Math.max(0, heapAfterGc() - heap2) / devices;
    if (!values.json) console.log(`load: ${devices} devices, ${rate} packets/s for ${duration} s on ${connections} connections -> reference Application Server (${where}, state ${values.data ? `in ${values.data}` : 'in memory'})`);
    report = await runLoad({ url: server.url, devices: sims, rate, durationS: duration, replayEvery, connections });
  } finally {
    process.removeListener('SIGINT', stop);
    await server.close();
  }
  const memory = {
    // Heap differences: meaningful with a thousand devices or more; with a few, noise (clamped at 0).
    generatorBytesPerDevice: Math.max(0, heap1 - heap0) / devices,
    serverHeapBytesPerDevice: serverPerDevice,
    dataFileBytesPerDevice: values.data ? statSync(values.data).size / devices : null,
  };
  const ok = report.checks.everyFreshAcceptedOnce && report.checks.everyReplayRejected;
  if (values.json) {
    console.log(JSON.stringify({ ...report, server: where, data: values.data ?? null, memory }, null, 2));
    return ok ? EXIT.ok : EXIT.failed;
  }
  const r = report;
  console.log(`sent      ${r.sent.fresh + r.sent.replays} packets (${r.sent.fresh} fresh, ${r.sent.replays} replays) in ${r.elapsedS.toFixed(1)} s${r.skipped ? `; ${r.skipped} sends skipped: every device or connection busy` : ''}`);
  console.log(`accepted  ${r.accepted} (${r.acceptedPerSecond.toFixed(0)}/s)`);
  console.log(`latency   p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}, max ${ms(r.latencyMs.max)}`);
  const reasons = Object.entries(r.rejectedByReason).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`rejected  ${reasons || 'none'}`);
  console.log(`memory    ${bytes(memory.generatorBytesPerDevice)} per simulated device (generator heap)${serverPerDevice !== null ? `, ${bytes(serverPerDevice)} per device at the Application Server (its JS heap)` : ''}${memory.dataFileBytesPerDevice !== null ? `, data file ${bytes(memory.dataFileBytesPerDevice)} per device` : ''}`);
  console.log(`check     every fresh packet accepted exactly once: ${r.checks.everyFreshAcceptedOnce ? 'yes' : 'NO'}; every replay refused with REPLAY: ${r.checks.everyReplayRejected ? 'yes' : 'NO'}`);
  for (const p of r.checks.problems) console.log(`  ${p}`);
  return ok ? EXIT.ok : EXIT.failed;
}
