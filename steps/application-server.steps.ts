/** Steps that drive the Application Server (draft B.2.2.3) through its adapter. */
import { Given, Then, When } from '@cucumber/cucumber';
import type { ObfWorld } from './support/world.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError } from '../harness/verdicts.ts';
import { withLuhn } from '../protocol/iccid.ts';
import { toHex } from '../protocol/hex.ts';

function wrongCheckDigit(iccid: string): string {
  return iccid.slice(0, -1) + String((Number(iccid.at(-1)) + 1) % 10);
}

Given('the Application Server has imported the keys of device {string}', async function (this: ObfWorld, label: string) {
  await this.importKeys(label, { downlink: true, uplink: true });
});

Given('the Application Server has imported only the decryption keys of device {string}', async function (this: ObfWorld, label: string) {
  await this.importKeys(label, { downlink: false, uplink: true });
});

When('a key is imported for device {string} under its ICCID with a wrong check digit', async function (this: ObfWorld, label: string) {
  const d = await this.device(label);
  const k = d.keys.uplink[1];
  this.asResult = await this.sut.applicationServer.importKey({ iccid: wrongCheckDigit(d.iccid), keyIndex: 1, keyFunction: 'decrypt', algorithm: k.algorithm, kic: toHex(k.kic), kid: toHex(k.kid) });
});

When('the Application Server is asked to encrypt {string} for device {string} with key index {int}', async function (this: ObfWorld, text: string, label: string, keyIndex: number) {
  const d = await this.device(label);
  this.asResult = await this.sut.applicationServer.encryptData({ iccid: d.iccid, keyIndex, data: Buffer.from(text, 'latin1').toString('hex'), replayCheck: true });
});

Given('the Application Server encrypts {string} for device {string} with key index {int} {replay}', async function (this: ObfWorld, text: string, label: string, keyIndex: number, replayCheck: boolean) {
  await this.encryptCommand(text, label, keyIndex, replayCheck);
});

When('the network delivers the packet to the Application Server as coming from device {string} with key index {int}', async function (this: ObfWorld, label: string, keyIndex: number) {
  await this.decryptAtServer(this.requirePacket(), (await this.device(label)).iccid, keyIndex);
});

When('the network delivers packet {int} to the Application Server as coming from device {string} with key index {int}', async function (this: ObfWorld, n: number, label: string, keyIndex: number) {
  const p = this.packets[n - 1];
  if (!p) throw new HarnessError(`the scenario has no packet ${n}`);
  await this.decryptAtServer(p.bytes, (await this.device(label)).iccid, keyIndex);
});

When('the network delivers the packet to the Application Server as coming from an unknown ICCID with key index {int}', async function (this: ObfWorld, keyIndex: number) {
  await this.decryptAtServer(this.requirePacket(), withLuhn('899100999999999999'), keyIndex);
});

When('the network delivers the packet to the Application Server as coming from device {string} with a wrong ICCID check digit', async function (this: ObfWorld, label: string) {
  await this.decryptAtServer(this.requirePacket(), wrongCheckDigit((await this.device(label)).iccid), 1);
});

Then('the Application Server returns the data {string}', function (this: ObfWorld, text: string) {
  const r = this.asResult;
  if (!r) throw new HarnessError('no Application Server answer in this scenario');
  expectTrue(r.ok, 'the Application Server refused the data', 'decrypted data', r.ok ? '' : `${r.httpStatus} ${r.code}: ${r.message}`);
  if (r.ok) expectEqual(Buffer.from(String(r.value.data), 'hex').toString('latin1'), text, 'the data the Application Server returned');
});

Then('the Application Server refuses with error {string}', function (this: ObfWorld, code: string) {
  const r = this.asResult;
  if (!r) throw new HarnessError('no Application Server answer in this scenario');
  expectTrue(!r.ok, 'the Application Server accepted what it must refuse', `refusal ${code}`, r.ok ? `HTTP ${r.httpStatus} ${JSON.stringify(r.value).slice(0, 100)}` : '');
  if (!r.ok) expectEqual(r.code, code, 'the Application Server error code');
});
