/**
 * Misbehaving HTTP servers, for the harness's own tests (issue 7 item 2): a product under test is buggy by
 * definition, and the harness must give the right verdict for each of these within the target's timeout.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type Misbehaviour = 'silent' | 'late' | 'stall-body' | 'close-mid-response' | 'not-http' | 'garbage-body' | 'huge-body';

export const MISBEHAVIOURS: Record<Misbehaviour, string> = {
  silent: 'accepts the connection and never answers',
  late: 'answers correctly, but after the timeout',
  'stall-body': 'sends the headers and half the body, then nothing',
  'close-mid-response': 'closes the connection in the middle of the body',
  'not-http': 'answers bytes that are not HTTP',
  'garbage-body': 'answers HTTP 200 with a body that is not JSON',
  'huge-body': 'answers HTTP 200 with a 10 MB body',
};

/** One raw TCP server per behaviour (below node:http, so the answers can break HTTP itself). */
export async function startMisbehavingServer(kind: Misbehaviour, opts: { lateMs?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void) => timers.add(setTimeout(f, ms));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let answered = false;
    socket.on('data', () => {
      if (answered) return;
      answered = true;
      const ok = '{"status":"OK"}';
      switch (kind) {
        case 'silent':
          return;
        case 'late':
          return later(opts.lateMs ?? 3000, () => socket.end(`HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: ${ok.length}\r\n\r\n${ok}`));
        case 'stall-body':
          return socket.write('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"status":');
        case 'close-mid-response':
          socket.write('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"status":');
          return later(20, () => socket.destroy());
        case 'not-http':
          return socket.end('\x00\x17\xffSSH-2.0-garbage\r\n\r\n');
        case 'garbage-body':
          return socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n<html>oops</');
        case 'huge-body': {
          const chunk = Buffer.alloc(64 * 1024, 0x41);
          const total = 10 * 1024 * 1024;
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${total}\r\n\r\n`);
          let sent = 0;
          const pump = () => {
            while (sent < total && !socket.destroyed) {
              sent += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
            socket.end();
          };
          return pump();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/obf/v1`,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
