/** serveDirectory: loopback static server for run folders. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { serveDirectory, type StaticServer } from '../reports/serve.ts';

let dir: string;
let server: StaticServer;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'obf-serve-'));
  writeFileSync(path.join(dir, 'certification.html'), '<!doctype html><p>ok</p>');
  writeFileSync(path.join(dir, 'certification.json'), '{"verdict":"pass"}');
  mkdirSync(path.join(dir, 'allure report'));
  writeFileSync(path.join(dir, 'allure report', 'index.html'), 'allure index');
  writeFileSync(path.join(dir, '..', `${path.basename(dir)}-secret.txt`), 'secret');
  server = await serveDirectory(dir);
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(path.join(dir, '..', `${path.basename(dir)}-secret.txt`), { force: true });
});

/** Raw GET (fetch would normalise "../" away before sending). */
function get(rawPath: string, method = 'GET'): Promise<{ status: number; type?: string; location?: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    http.request({ host: hostname, port, path: rawPath, method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], location: res.headers.location, body }));
    }).on('error', reject).end();
  });
}

test('listens on loopback with an ephemeral port', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.notEqual(new URL(server.url).port, '0');
});

test('serves files with their content type', async () => {
  const html = await fetch(new URL('certification.html', server.url));
  assert.equal(html.status, 200);
  assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(await html.text(), '<!doctype html><p>ok</p>');
  const json = await fetch(new URL('certification.json', server.url));
  assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.deepEqual(await json.json(), { verdict: 'pass' });
});

test('directories serve index.html; a directory without a slash is redirected', async () => {
  assert.equal((await get('/allure%20report/')).body, 'allure index');
  const redirect = await get('/allure%20report');
  assert.deepEqual([redirect.status, redirect.location], [301, 'allure%20report/']);
  const followed = await fetch(new URL('allure%20report', server.url));
  assert.equal(await followed.text(), 'allure index');
});

test('never serves outside the root', async () => {
  const name = `${path.basename(dir)}-secret.txt`;
  for (const p of [`/../${name}`, `/%2e%2e/${name}`, `/..%2f${name}`, `/allure%20report/..%2f..%2f${name}`]) {
    const r = await get(p);
    assert.ok(r.status === 403 || r.status === 404, `${p}: ${r.status}`);
    assert.ok(!r.body.includes('secret'), p);
  }
});

test('404, 405 and HEAD', async () => {
  assert.equal((await get('/missing.html')).status, 404);
  assert.equal((await get('/certification.html', 'POST')).status, 405);
  const head = await get('/certification.html', 'HEAD');
  assert.deepEqual([head.status, head.body], [200, '']);
});

test('close() frees the port, even with a keep-alive connection open', async () => {
  const other = await serveDirectory(dir);
  const agent = new http.Agent({ keepAlive: true });
  await new Promise<void>((resolve) => http.get(new URL('certification.json', other.url), { agent }, (res) => res.resume().on('end', () => resolve())));
  await other.close();
  await assert.rejects(fetch(new URL('certification.json', other.url)));
  agent.destroy();
});
