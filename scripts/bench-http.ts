/**
 * The HTTP figure of `npm run bench`: the reference Application Server's /decrypt route (each request a fresh
 * uplink packet that deciphers, verifies and passes the replay check) beside a bare node:http server that echoes
 * the JSON body, with the same load generator: a worker thread keeping `connections` keep-alive connections busy,
 * one request in flight on each, for `seconds`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { toHex, writeUint } from '../protocol/hex.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { OBF_TAR, keyIdentifierFor, profileSpi } from '../protocol/obf-profile.ts';
import { encodeCommandPacket } from '../protocol/ts-102-225.ts';
import { startApplicationServer } from '../reference-impl/index.ts';

// Plain JavaScript: the worker runs without the TypeScript loader.
const LOAD_GENERATOR = `
const http = require('node:http');
const { workerData, parentPort } = require('node:worker_threads');
const { url, bodies, seconds } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: bodies.length });
const target = new URL(url);
function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  const end = Date.now() + seconds * 1000;
  const counts = { ok: 0, other: 0, used: bodies.map(() => 0) };
  await Promise.all(bodies.map(async (list, c) => {
    for (let i = 0; Date.now() < end && i < list.length; i++) {
      const status = await post(list[i]);
      counts.used[c]++;
      if (status === 200) counts.ok++; else counts.other++;
    }
  }));
  agent.destroy();
  parentPort.postMessage(counts);
})();
`;

function load(url: string, bodies: string[][], seconds: number): Promise<{ ok: number; other: number; used: number[]; perSecond: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const w = new Worker(LOAD_GENERATOR, { eval: true, workerData: { url, bodies, seconds } });
    w.once('message', (c: { ok: number; other: number; used: number[] }) => resolve({ ...c, perSecond: c.ok / ((performance.now() - start) / 1000) }));
    w.once('error', reject);
  });
}

export interface HttpFigures {
  connections: number;
  seconds: number;
  bareEchoPerSecond: number;
  asDecryptPerSecond: number;
  ratio: number;
  refused: number;
}

export async function httpBench(opts: { connections?: number; seconds?: number; rounds?: number } = {}): Promise<HttpFigures> {
  const connections = opts.connections ?? 8;
  const seconds = opts.seconds ?? 1;
  const rounds = opts.rounds ?? 5;
  const perConnection = 15_000;
  const admin = 'bench-admin-token-0123456789';
  const as = await startApplicationServer({ adminToken: admin });
  const key = Uint8Array.from(Buffer.alloc(16, 0x5a));
  const keyHex = toHex(key);
  const bodies: string[][] = [];
  for (let c = 0; c < connections; c++) {
    // One device per connection, so that its counters arrive in order.
    const iccid = withLuhn(`8991009999${String(c).padStart(8, '0')}`);
    const r = await fetch(`${as.url}/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ iccid, keyIndex: 1, keyFunction: 'decrypt', algorithm: 'aes', kic: keyHex, kid: keyHex }) });
    if (r.status !== 201) throw new Error(`bench: key import answered ${r.status}`);
    const id = keyIdentifierFor('aes', 1);
    const list: string[] = [];
    for (let n = 1; n <= perConnection; n++) {
      const packet = encodeCommandPacket({ spi: profileSpi(true), kic: id, kid: id, tar: OBF_TAR, cntr: writeUint(BigInt(n), 5), data: Buffer.from('$HLM,battery=87'), keys: { kic: key, kid: key } });
      list.push(JSON.stringify({ iccid, keyIndex: 1, packet: toHex(packet) }));
    }
    bodies.push(list);
  }
  const bare = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/echo`;
  try {
    // Alternating rounds, medians: the machine is shared, and its load drifts within a run.
    const echo: number[] = [];
    const decrypt: number[] = [];
    let refused = 0;
    const sent = bodies.map(() => 0);
    for (let round = 0; round < rounds; round++) {
      const slice = bodies.map((list, c) => list.slice(sent[c]));
      echo.push((await load(bareUrl, slice, seconds)).perSecond);
      const d = await load(`${as.url}/decrypt`, slice, seconds);
      decrypt.push(d.perSecond);
      refused += d.other;
      d.used.forEach((n, c) => (sent[c] += n));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { connections, seconds: seconds * rounds, bareEchoPerSecond: median(echo), asDecryptPerSecond: median(decrypt), ratio: median(decrypt) / median(echo), refused };
  } finally {
    bare.closeAllConnections();
    bare.close();
    await as.close();
  }
}
