/**
 * The load generator behind `obf-conformance load` (issue 7 item 6): many simulated devices send uplink packets to
 * an Application Server's POST /decrypt (draft B.2.2.3.2) at a fixed total rate, open loop. Each device has at
 * most one packet in flight, as a device on one SE has: its counters reach the server in order, so every fresh
 * packet must be accepted exactly once. Every `replayEvery`-th send is a deliberate replay of the device's last
 * accepted packet, which must be refused with REPLAY (B.2 device-to-server 3). At most `connections` packets are in
 * flight (one keep-alive connection each, as wrk's -c). When every device or every connection is busy at a send
 * time, that send is skipped and counted, so an overloaded server shows up as a lower rate, not as a queue that
 * grows until requests time out.
 */
import { SimulatedDevice, type SentPacket } from './simulated-device.ts';
import { JsonClient, TransportError, refusalCode } from './json-client.ts';
import { toHex, writeUint } from '../../protocol/hex.ts';

export interface LoadOptions {
  /** Base URL of the Application Server, up to and including /obf/v1. */
  url: string;
  devices: SimulatedDevice[];
  /** Packets per second, all devices together. */
  rate: number;
  durationS: number;
  /** Every n-th send is a replay; 0: none. */
  replayEvery: number;
  /** Packets in flight at most (and keep-alive connections). */
  connections: number;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface LoadReport {
  devices: number;
  targetRate: number;
  durationS: number;
  elapsedS: number;
  sent: { fresh: number; replays: number };
  /** Sends skipped because every device or every connection had a packet in flight. */
  skipped: number;
  accepted: number;
  acceptedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  rejectedByReason: Record<string, number>;
  checks: {
    /** Every fresh packet answered 200 with its own data and counter. */
    everyFreshAcceptedOnce: boolean;
    /** Every replay refused with REPLAY. */
    everyReplayRejected: boolean;
    problems: string[];
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Import every device's keyset (POST /keys), `parallel` at a time. Throws on the first refusal. */
export async function importDevices(client: JsonClient, devices: SimulatedDevice[], parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const d = devices[next++];
      const a = await client.post('keys', d.importRequest());
      if (a.status !== 201) throw new Error(`the Application Server refused the keys of ${d.iccid}: ${refusalCode(a)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, devices.length) }, worker));
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const client = new JsonClient(opts.url, { maxSockets: opts.connections, timeoutMs: opts.timeoutMs, headers: opts.headers });
  const n = opts.devices.length;
  const lastAccepted: (SentPacket | undefined)[] = new Array(n);
  // FIFO of idle device indexes (a ring): devices take turns, each with at most one packet in flight.
  const ring = new Int32Array(n);
  for (let i = 0; i < n; i++) ring[i] = i;
  let head = 0;
  let idle = n;
  const latencies: number[] = [];
  const rejected: Record<string, number> = {};
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < 20) problems.push(p);
  };
  let fresh = 0;
  let replays = 0;
  let accepted = 0;
  let skipped = 0;
  let inFlight = 0;
  let sends = 0;
  let freshWrong = 0;
  let replayWrong = 0;

  const send = async (i: number) => {
    const device = opts.devices[i];
    const replay = opts.replayEvery > 0 && (sends + 1) % opts.replayEvery === 0 && lastAccepted[i] !== undefined;
    sends++;
    const p = replay ? lastAccepted[i]! : device.nextPacket();
    if (replay) replays++;
    else fresh++;
    const t0 = performance.now();
    try {
      const a = await client.post('decrypt', device.decryptRequest(p));
      latencies.push(performance.now() - t0);
      if (a.status === 200) {
        if (replay) {
          replayWrong++;
          rejected['ACCEPTED_REPLAY'] = (rejected['ACCEPTED_REPLAY'] ?? 0) + 1;
          note(`replay of ${device.iccid} counter ${p.counter} was accepted`);
        } else if (a.body.data !== p.data || String(a.body.counter).toUpperCase() !== toHex(writeUint(p.counter, 5))) {
          freshWrong++;
          rejected['WRONG_ANSWER'] = (rejected['WRONG_ANSWER'] ?? 0) + 1;
          note(`${device.iccid} counter ${p.counter}: 200 with other data or counter`);
        } else {
          accepted++;
          lastAccepted[i] = p;
        }
      } else {
        const code = refusalCode(a);
        rejected[code] = (rejected[code] ?? 0) + 1;
        if (!replay) {
          freshWrong++;
          note(`${device.iccid} counter ${p.counter}: refused ${code}`);
        } else if (code !== 'REPLAY') {
          replayWrong++;
          note(`replay of ${device.iccid} counter ${p.counter}: refused ${code}, not REPLAY`);
        }
      }
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      const reason = `transport: ${e.reason}`;
      rejected[reason] = (rejected[reason] ?? 0) + 1;
      if (replay) replayWrong++;
      else freshWrong++;
      note(`${device.iccid} counter ${p.counter}: ${e.message}`);
    }
  };

  const start = performance.now();
  let launched = 0;
  await new Promise<void>((resolve, reject) => {
    let stopped = false;
    const release = (i: number) => {
      ring[(head + idle) % n] = i;
      idle++;
      inFlight--;
      if (stopped && inFlight === 0) resolve();
    };
    const tick = () => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= opts.durationS) {
        stopped = true;
        if (inFlight === 0) resolve();
        return;
      }
      const due = Math.floor(elapsed * opts.rate) - launched;
      for (let k = 0; k < due; k++) {
        launched++;
        if (idle === 0 || inFlight >= opts.connections) {
          skipped++;
          continue;
        }
        const i = ring[head];
        head = (head + 1) % n;
        idle--;
        inFlight++;
        send(i).then(() => release(i), reject);
      }
      if (due > 0) setImmediate(tick);
      else setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedS = (performance.now() - start) / 1000;
  client.close();
  const sorted = Float64Array.from(latencies).sort();
  if (fresh === 0) note('no packet was sent: raise --rate or --duration');
  return {
    devices: n, targetRate: opts.rate, durationS: opts.durationS, elapsedS,
    sent: { fresh, replays }, skipped, accepted, acceptedPerSecond: accepted / elapsedS,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : 0 },
    rejectedByReason: rejected,
    checks: { everyFreshAcceptedOnce: freshWrong === 0 && accepted === fresh && fresh > 0, everyReplayRejected: replayWrong === 0, problems },
  };
}
