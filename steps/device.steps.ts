/** Steps that drive the device (draft B.2.2.1) and the network towards it. */
import { Given, Then, When } from '@cucumber/cucumber';
import type { ObfWorld } from './support/world.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError } from '../harness/verdicts.ts';

Given('device {string} with its Secure Element', async function (this: ObfWorld, label: string) {
  await this.device(label);
});

When('device {string} sends {string} with key index {int} {replay}', async function (this: ObfWorld, label: string, text: string, keyIndex: number, replayCheck: boolean) {
  await this.sendUplink(label, text, keyIndex, replayCheck);
});

When(/^the network delivers the command to device "([^"]+)"(?: again)?$/, async function (this: ObfWorld, label: string) {
  await this.deliverDownlink(label, this.requireCommand());
});

When('the network delivers command {int} to device {string}', async function (this: ObfWorld, n: number, label: string) {
  const c = this.commands[n - 1];
  if (!c) throw new HarnessError(`the scenario has no command ${n}`);
  await this.deliverDownlink(label, c.bytes);
});

Then('device {string} executes the command', function (this: ObfWorld, label: string) {
  const o = this.downlink;
  if (!o) throw new HarnessError(`nothing was delivered to device ${label}`);
  expectTrue(o.accepted && o.stage === 'executed', `device ${label} did not execute the command`, 'executed', `${o.stage}: ${o.reason}`);
});

Then(/^device "([^"]+)" rejects the command at stage "([^"]+)"(?: with status "([0-9A-F]{4})")?$/, function (this: ObfWorld, label: string, stage: string, sw?: string) {
  const o = this.downlink;
  if (!o) throw new HarnessError(`nothing was delivered to device ${label}`);
  expectTrue(!o.accepted, `device ${label} accepted a command it must reject`, `rejected at ${stage}${sw ? ` with status ${sw}` : ''}`, `${o.stage}: ${o.reason}`);
  expectEqual(o.stage, stage, `the stage at which device ${label} rejected the command (${o.reason})`);
  if (sw) expectEqual(o.sw, sw, `the SE status word behind device ${label}'s rejection`);
});

Then(/^device "([^"]+)" has executed (no|\d+) commands?$/, async function (this: ObfWorld, label: string, count: string) {
  const state = await (await this.device(label)).device.readState();
  expectEqual(state.commandsExecuted, count === 'no' ? 0 : Number(count), `commands executed by device ${label}`);
});

Then('device {string} has server address {word} set to {string} port {int}', async function (this: ObfWorld, label: string, slot: string, host: string, port: number) {
  if (slot !== 'ip1' && slot !== 'ip2') throw new HarnessError(`unknown server address slot '${slot}'`);
  const state = await (await this.device(label)).device.readState();
  const value = state[slot];
  expectEqual(value ? `${value.host}:${value.port}` : '(not set)', `${host}:${port}`, `device ${label} server address ${slot}`);
});
