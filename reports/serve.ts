/**
 * A minimal static file server for a run folder: Allure reports load their data with fetch, which browsers
 * refuse on file:// pages. Read-only (GET and HEAD), bound to loopback, never serves outside the root.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.properties': 'text/plain; charset=iso-8859-1',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
  '.zip': 'application/zip',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface ServeOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 0 (any free port). */
  port?: number;
}

export interface StaticServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
  url: string;
  close(): Promise<void>;
}

/** The root of a run folder without its own index.html: links to the reports it holds. */
function runFolderIndex(base: string, res: http.ServerResponse, head: boolean): void {
  const links = [
    ['certification.html', 'Certification report'],
    ['allure-report/index.html', 'Allure report'],
    ['certification.json', 'Certification report (JSON)'],
  ].filter(([f]) => existsSync(path.join(base, f)));
  const items = links.length ? links.map(([f, t]) => `<li><a href="${f}">${t}</a></li>`).join('') : '<li>No reports in this folder yet.</li>';
  const html = `<!doctype html><meta charset="utf-8"><title>OBF conformance run</title><h1>OBF conformance run</h1><ul>${items}</ul>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  res.end(head ? undefined : html);
}

export async function serveDirectory(root: string, options: ServeOptions = {}): Promise<StaticServer> {
  const base = path.resolve(root);
  const rootStat = await stat(base);
  if (!rootStat.isDirectory()) throw new Error(`${base} is not a directory`);

  const server = http.createServer(async (req, res) => {
    const reply = (code: number, text: string) => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    let pathname: string;
    let rawPath: string;
    try {
      rawPath = new URL(req.url ?? '/', 'http://localhost').pathname;
      pathname = decodeURIComponent(rawPath);
    } catch {
      return reply(400, 'bad request\n');
    }
    if (pathname.includes('\0')) return reply(400, 'bad request\n');
    let file = path.resolve(base, '.' + pathname);
    if (file !== base && !file.startsWith(base + path.sep)) return reply(403, 'forbidden\n');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!pathname.endsWith('/')) {
          // relative to the request URL, so the redirect can never leave this server
          res.writeHead(301, { location: `${rawPath.split('/').pop()}/` });
          return res.end();
        }
        file = path.join(file, 'index.html');
        if (pathname === '/' && !existsSync(file)) return runFolderIndex(base, res, req.method === 'HEAD');
        info = await stat(file);
      }
      if (!info.isFile()) return reply(404, 'not found\n');
      res.writeHead(200, { 'content-type': contentTypeOf(file), 'content-length': info.size, 'cache-control': 'no-store' });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      reply(404, 'not found\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
