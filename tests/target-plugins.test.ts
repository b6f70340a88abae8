/** The plug-in point's rules: every call is timed, a plug-in's own errors are verdicts, a wrong module is named. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPlugin } from '../adapters/target/plugins.ts';
import { HarnessError } from '../harness/verdicts.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'obf-plugins-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const plugin = (name: string, body: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, body);
  return f;
};
const ctx = { options: { x: 1 }, timeoutMs: 300, trace: () => null };

describe('plug-ins', () => {
  test('a method that never settles is Inconclusive within the timeout', async () => {
    const f = plugin('hang.mjs', 'export default () => ({ transmit: () => new Promise(() => {}) });\n');
    const se = await openPlugin<{ transmit(a: Uint8Array): Promise<unknown> }>(f, 'secureElement', ctx);
    const t0 = performance.now();
    const e = await se.transmit(Uint8Array.of(0)).then(() => null, (x: Error) => x);
    assert.equal(e?.name, 'Inconclusive');
    assert.match(e!.message, /transmit gave no answer within 300 ms/);
    assert.ok(performance.now() - t0 < 1000);
  });

  test("a plug-in's own error is Inconclusive with its message; its verdicts pass through", async () => {
    const f = plugin('throws.mjs', `export default (ctx) => ({
      transmit: async (apdu) => { if (apdu[0] === 1) throw new ctx.verdicts.NonConformance('bad card', '9000', '6F00'); throw new TypeError('socket gone'); },
    });\n`);
    const se = await openPlugin<{ transmit(a: Uint8Array): Promise<unknown> }>(f, 'secureElement', ctx);
    const own = await se.transmit(Uint8Array.of(0)).then(() => null, (x: Error) => x);
    assert.equal(own?.name, 'Inconclusive');
    assert.match(own!.message, /transmit failed in the plug-in: socket gone/);
    const verdict = await se.transmit(Uint8Array.of(1)).then(() => null, (x: Error) => x);
    assert.equal(verdict?.name, 'NonConformance');
  });

  test('the factory gets the options and the timeout; an adapter missing a method is a harness error', async () => {
    const f = plugin('partial.mjs', 'export default (ctx) => ({ importKey: async () => ctx.options, decryptData: async () => ctx.timeoutMs });\n');
    await assert.rejects(openPlugin(f, 'applicationServer', ctx), (e: Error) => e instanceof HarnessError && /without encryptData, postRaw/.test(e.message));
    const g = plugin('full.mjs', 'export default (ctx) => ({ grant: async () => ctx.options, revoke: async () => ctx.timeoutMs, exportRights: async () => ({}), subscriptionChange: async () => ({}) });\n');
    const rs = await openPlugin<{ grant(): Promise<unknown>; revoke(): Promise<unknown> }>(g, 'resourceServer', ctx);
    assert.deepEqual(await rs.grant(), { x: 1 });
    assert.equal(await rs.revoke(), 300);
  });

  test('a module without a default export, or one that does not exist, is named in the error', async () => {
    await assert.rejects(openPlugin(plugin('none.mjs', 'export const a = 1;\n'), 'device', ctx), /has no default export function/);
    await assert.rejects(openPlugin(path.join(dir, 'missing.mjs'), 'device', ctx), /missing\.mjs cannot be loaded: no such file/);
    await assert.rejects(openPlugin(plugin('boom.mjs', 'export default () => { throw new Error("no licence"); };\n'), 'device', ctx), /failed to open: no licence/);
  });
});
