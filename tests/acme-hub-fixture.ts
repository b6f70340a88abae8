/**
 * A stand-in for a vendor's Application Server with its own API (the "Acme IoT Hub" of
 * examples/plugins/acme-as-plugin.ts): it translates each Acme call to the reference Application Server's profile
 * API over HTTP, so the example plug-in can be shown to carry the whole suite.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApplicationServer } from '../reference-impl/index.ts';

const ALGORITHMS: Record<string, string> = { AES: 'aes', TDES2: '3des-2key', TDES3: '3des-3key' };

export async function startAcmeHub(apiKey: string): Promise<{ url: string; calls: number; close(): Promise<void> }> {
  const reference = await startApplicationServer({ faults: new Set() });
  const state = { calls: 0 };
  const forward = async (path: string, body: string, contentType = 'application/json') => {
    const r = await fetch(`${reference.url}/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', async () => {
      state.calls++;
      const send = (status: number, body: object | null) => {
        res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
        res.end(body ? JSON.stringify(body) : undefined);
      };
      if (req.headers['x-api-key'] !== apiKey) return send(401, { fault: { id: 'UNAUTHORIZED', text: 'bad api key' } });
      const url = new URL(req.url ?? '/', 'http://hub');
      const fault = (r: { status: number; body: Record<string, any> }) => send(r.status, { fault: { id: r.body.error?.code, text: r.body.error?.message } });
      try {
        let m = /^\/devices\/([^/]+)\/keysets\/(\d+)\/(up|down)$/.exec(url.pathname);
        if (m && req.method === 'PUT') {
          const b = JSON.parse(text);
          const r = await forward('keys', JSON.stringify({ iccid: decodeURIComponent(m[1]), keyIndex: Number(m[2]), keyFunction: m[3] === 'up' ? 'decrypt' : 'encrypt', algorithm: ALGORITHMS[b.cipher] ?? b.cipher, kic: b.enc, kid: b.mac }));
          return r.status === 201 || r.status === 200 ? send(204, null) : fault(r);
        }
        m = /^\/devices\/([^/]+)\/(uplink|downlink)$/.exec(url.pathname);
        if (m && req.method === 'POST') {
          const b = JSON.parse(text);
          const iccid = decodeURIComponent(m[1]);
          if (m[2] === 'uplink') {
            const r = await forward('decrypt', JSON.stringify({ iccid, keyIndex: b.slot, packet: b.blob }));
            return r.status === 200 ? send(200, { payload: r.body.data, seq: r.body.counter }) : fault(r);
          }
          const r = await forward('encrypt', JSON.stringify({ iccid, keyIndex: b.slot, data: b.payload, replayCheck: b.antiReplay }));
          return r.status === 200 ? send(200, { blob: r.body.packet }) : fault(r);
        }
        m = /^\/raw\/(keys|decrypt|encrypt)$/.exec(url.pathname);
        if (m) {
          const r = await forward(m[1], text, req.headers['content-type']);
          return send(r.status, r.body);
        }
        send(404, { fault: { id: 'NOT_FOUND', text: url.pathname } });
      } catch (e) {
        send(400, { fault: { id: 'BAD_REQUEST', text: (e as Error).message } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return state.calls;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await reference.close();
    },
  };
}
