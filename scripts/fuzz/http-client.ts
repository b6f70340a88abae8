/**
 * A raw HTTP/1.1 client on a TCP socket for fuzzing servers: it sends exactly the bytes it is given (so it can
 * send wrong lengths, truncated bodies, bad chunking and garbage), and reads the whole answer until the server
 * closes (requests carry `connection: close`) or the time bound passes. fetch and node:http would refuse to send
 * most of these.
 */
import net from 'node:net';

export interface RawAnswer {
  /** Null when the connection closed with no answer. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  timedOut: boolean;
}

export function rawExchange(port: number, request: Buffer, opts: { halfClose: boolean; timeoutMs: number }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseAnswer(Buffer.concat(chunks)), timedOut });
    };
    const timer = setTimeout(() => finish(true), opts.timeoutMs);
    socket.on('connect', () => {
      socket.write(request);
      if (opts.halfClose) socket.end();
    });
    socket.on('data', (c) => {
      chunks.push(c);
      // Done as soon as a whole answer is in: waiting for the server's close adds a round of TCP teardown per case.
      if (complete(Buffer.concat(chunks))) finish(false);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

function complete(raw: Buffer): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(raw.subarray(0, end).toString('latin1'));
  return length !== null && raw.length >= end + 4 + Number(length[1]);
}

function parseAnswer(raw: Buffer): Omit<RawAnswer, 'timedOut'> {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m || end < 0) return { status: null, headers: {}, body: text };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(m[1]), headers, body: body.toString('utf8') };
}
