/**
 * Where the Application Servers the harness plays receive notifications (draft 6.3.1 e: "M2MSPs and ASPs shall be
 * forwarded the new Authentication Server"): a real HTTP server on loopback that records every POST by path.
 * Bodies are capped and must be JSON; anything else is recorded as a malformed notification.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const MAX_NOTIFICATION_BYTES = 16_384;

export interface ReceivedNotification {
  path: string;
  body: Record<string, unknown> | null;
  /** Why the body was not taken as JSON, when it was not. */
  malformed?: string;
  at: string;
}

export class NotificationSink {
  readonly received: ReceivedNotification[] = [];

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<NotificationSink> {
    let sink: NotificationSink | null = null;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_NOTIFICATION_BYTES) chunks.push(c);
      });
      req.on('end', () => {
        const at = new Date().toISOString();
        const path = (req.url ?? '/').split('?')[0];
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        let body: Record<string, unknown> | null = null;
        let malformed: string | undefined;
        if (size > MAX_NOTIFICATION_BYTES) malformed = `body of ${size} bytes, more than ${MAX_NOTIFICATION_BYTES}`;
        else {
          try {
            const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (typeof v === 'object' && v !== null && !Array.isArray(v)) body = v as Record<string, unknown>;
            else malformed = 'not a JSON object';
          } catch {
            malformed = 'not JSON';
          }
        }
        sink?.received.push({ path, body, at, ...(malformed ? { malformed } : {}) });
        res.writeHead(204).end();
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    sink = new NotificationSink(server, `http://127.0.0.1:${port}`);
    return sink;
  }

  /** The URL an Application Server called `name` gives for its notifications. */
  urlFor(name: string): string {
    return `${this.url}/${encodeURIComponent(name)}`;
  }

  to(name: string): ReceivedNotification[] {
    const path = `/${encodeURIComponent(name)}`;
    return this.received.filter((n) => n.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
