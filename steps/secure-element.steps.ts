/** Steps that talk to the Secure Element directly over the profile's APDUs (draft B.2.2.2; docs/profile/apdus.md). */
import { Then, When } from '@cucumber/cucumber';
import type { ObfWorld } from './support/world.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError } from '../harness/verdicts.ts';
import { selectObf, readIccid, decryptDataApdu, encryptDataApdu } from '../harness/se-commands.ts';
import { toHex } from '../protocol/hex.ts';

When('the harness reads EF_ICCID from the Secure Element of device {string}', async function (this: ObfWorld, label: string) {
  this.iccidRead = await readIccid((await this.device(label)).secureElement);
});

Then('the ICCID read is the ICCID of device {string}', function (this: ObfWorld, label: string) {
  expectEqual(this.iccidRead, this.known(label).iccid, `ICCID in EF_ICCID of device ${label}`);
});

When('the harness sends the command to the Secure Element of device {string} with ReplayCheck', async function (this: ObfWorld, label: string) {
  const se = (await this.device(label)).secureElement;
  await selectObf(se);
  this.seResult = await se.transmit(decryptDataApdu(this.requireCommand(), true));
});

When('the harness asks the Secure Element of device {string} to encrypt {string} with key index {int} {replay}', async function (this: ObfWorld, label: string, text: string, keyIndex: number, replayCheck: boolean) {
  const se = (await this.device(label)).secureElement;
  await selectObf(se);
  const r = await se.transmit(encryptDataApdu(new TextEncoder().encode(text), keyIndex, replayCheck));
  expectEqual(toHex(Uint8Array.of(r.sw >> 8, r.sw & 0xff)), '9000', `status of ENCRYPT DATA on the SE of device ${label}`);
  this.packets.push({ bytes: r.data, text, device: label, replayCheck });
  this.packet = r.data;
});

Then(/^the Secure Element answers status "([0-9A-F]{4})" with (?:the data "(.*)"|no data)$/, function (this: ObfWorld, sw: string, text?: string) {
  const r = this.seResult;
  if (!r) throw new HarnessError('the Secure Element was not asked anything in this scenario');
  expectEqual(toHex(Uint8Array.of(r.sw >> 8, r.sw & 0xff)), sw, 'the Secure Element status word');
  if (text === undefined) expectTrue(r.data.length === 0, 'the Secure Element answered data where the profile requires an empty answer', 'no data', toHex(r.data));
  else expectEqual(Buffer.from(r.data).toString('latin1'), text, 'the data the Secure Element answered');
});
