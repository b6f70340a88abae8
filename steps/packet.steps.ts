/** Steps about secured packets themselves: what an attacker does to them, and what the harness checks in them. */
import { Given, Then, When } from '@cucumber/cucumber';
import type { ObfWorld, SeenPacket } from './support/world.ts';
import { AttackError, changeDataByte, flipLastBit, forgeRcOnly, leaksPlaintext, resealWithCipheringKeyOnly, truncate } from '../harness/attacker.ts';
import { draftSamplePacket } from '../harness/draft-sample.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance } from '../harness/verdicts.ts';
import { decodeCommandPacket, type CommandPacket } from '../protocol/ts-102-225.ts';
import { DecipherError, ProtocolError } from '../protocol/errors.ts';
import { equalBytes, readUint, toHex } from '../protocol/hex.ts';
import { assessSecurity } from '../protocol/obf-profile.ts';
import { decodeSpi } from '../protocol/ts-102-225-coding.ts';
import { fromHex } from '../protocol/hex.ts';

type Which = 'command' | 'packet';

function inFlight(world: ObfWorld, which: Which): Uint8Array {
  return which === 'command' ? world.requireCommand() : world.requirePacket();
}

function replaceInFlight(world: ObfWorld, which: Which, bytes: Uint8Array): void {
  if (which === 'command') world.command = bytes;
  else world.packet = bytes;
}

/** Decode a packet the SUT made with the keys the harness knows for it; unreadable packets are the product's fault. */
function open(world: ObfWorld, seen: SeenPacket, direction: 'uplink' | 'downlink'): CommandPacket {
  const keys = world.known(seen.device).keys[direction];
  const p = decodeCommandPacket(seen.bytes);
  const set = keys[p.kic.keyIndex];
  if (!set) throw new HarnessError(`no ${direction} keyset ${p.kic.keyIndex} known for device ${seen.device}`);
  try {
    return decodeCommandPacket(seen.bytes, { kic: set.kic, kid: set.kid });
  } catch (e) {
    if (e instanceof ProtocolError) throw new NonConformance(`a packet from the SUT does not decode with the ${direction} keyset of device ${seen.device}`, 'a well-formed packet', e.message);
    throw e;
  }
}

Given("the draft's sample command packet of B.2.3", function (this: ObfWorld) {
  this.command = draftSamplePacket();
});

Given(/^an attacker flips one bit in the last byte of the (command|packet)$/, function (this: ObfWorld, which: Which) {
  replaceInFlight(this, which, flipLastBit(inFlight(this, which)));
});

Given('the command is cut short by {int} bytes in transit', function (this: ObfWorld, n: number) {
  this.command = truncate(this.requireCommand(), n);
});

Given("one byte of the command's data is changed in transit", function (this: ObfWorld) {
  this.command = changeDataByte(this.requireCommand());
});

Given(/^an attacker who knows only the ciphering key of device "([^"]+)" replaces the (?:data|command) with "(.*)"$/, function (this: ObfWorld, label: string, text: string) {
  const which: Which = this.packet && !this.command ? 'packet' : 'command';
  const direction = which === 'packet' ? 'uplink' : 'downlink';
  const bytes = inFlight(this, which);
  const set = this.known(label).keys[direction][decodeCommandPacket(bytes).kic.keyIndex];
  try {
    replaceInFlight(this, which, resealWithCipheringKeyOnly(bytes, text, set.kic));
  } catch (e) {
    if (e instanceof ProtocolError || e instanceof AttackError) {
      throw new NonConformance(`the ${which} does not decipher with the ${direction} ciphering key of device ${label}`, 'a packet ciphered with that KIc key', (e as Error).message);
    }
    throw e;
  }
});

When('an attacker rewrites the packet as {string} with SPI 01 00 and a recomputed CRC-32', function (this: ObfWorld, text: string) {
  this.packet = forgeRcOnly(text, decodeCommandPacket(this.requirePacket()).kic.keyIndex);
});

Given('an attacker forges the command {string} with SPI 01 00 and a valid CRC-32', function (this: ObfWorld, text: string) {
  this.command = forgeRcOnly(text);
});

Then(/^no 4 consecutive bytes of "(.*)" appear in the (command|packet)$/, function (this: ObfWorld, text: string, which: Which) {
  const bytes = inFlight(this, which);
  expectTrue(!leaksPlaintext(bytes, new TextEncoder().encode(text)), `plaintext visible in the ${which} on the network`, 'no 4-byte run of the plaintext', toHex(bytes));
});

Then(/^the two (commands|packets) differ$/, function (this: ObfWorld, which: 'commands' | 'packets') {
  const list = which === 'commands' ? this.commands : this.packets;
  if (list.length < 2) throw new HarnessError(`the scenario made fewer than two ${which}`);
  const [a, b] = list.slice(-2);
  expectTrue(!equalBytes(a.bytes, b.bytes), `the same plaintext gave the same ${which.slice(0, -1)} twice`, 'different bytes', toHex(a.bytes));
});

Then(/^the (commands|packets)' counters strictly increase$/, function (this: ObfWorld, which: 'commands' | 'packets') {
  const list = which === 'commands' ? this.commands : this.packets;
  const counters = list.map((p) => open(this, p, which === 'commands' ? 'downlink' : 'uplink').cntr!).map(readUint);
  for (let i = 1; i < counters.length; i++) {
    expectTrue(counters[i] > counters[i - 1], `the counter of ${which.slice(0, -1)} ${i + 1} does not exceed the one before`, `> ${counters[i - 1]}`, String(counters[i]));
  }
});

Then(/^the (?:commands with ReplayCheck|packets) ask the receiver to check the counter$/, function (this: ObfWorld) {
  const list = this.commands.length ? this.commands : this.packets;
  for (const p of list.filter((x) => x.replayCheck)) {
    const mode = decodeCommandPacket(p.bytes).spi.counter;
    expectTrue(mode === 'higher' || mode === 'one-higher', 'a packet made with ReplayCheck does not ask for a counter check', "SPI counter mode 'higher' or 'one-higher'", mode);
  }
});

Then('each packet is ciphered, carries a valid CC under the uplink keyset of device {string} and deciphers to its data', function (this: ObfWorld, label: string) {
  for (const seen of this.packets.filter((p) => p.device === label)) {
    const header = decodeCommandPacket(seen.bytes);
    expectTrue(header.spi.ciphered && header.spi.integrity === 'CC', 'the SE secured the data without ciphering or a CC', 'SPI with CC and ciphering', toHex(header.spi.raw));
    let p: CommandPacket;
    p = open(this, seen, 'uplink');
    expectEqual(p.verified, true, 'the CC of the packet under the uplink keyset');
    expectEqual(Buffer.from(p.data!).toString('latin1'), seen.text, 'the deciphered data');
  }
});

Then('the packet cannot be verified with the downlink keyset of device {string}', function (this: ObfWorld, label: string) {
  const bytes = this.requirePacket();
  const header = decodeCommandPacket(bytes);
  const set = this.known(label).keys.downlink[header.kic.keyIndex];
  let verified: boolean | null = false;
  try {
    verified = decodeCommandPacket(bytes, { kic: set.kic, kid: set.kid }).verified;
  } catch (e) {
    if (!(e instanceof DecipherError)) throw e;
  }
  expectTrue(verified !== true, 'the SE secured its data with the decryption keyset: one keyset serves both directions', 'a keyset separate from the downlink one', 'verified with the downlink keyset');
});

Then('the command decodes with SPI {string}, KIc {string}, KID {string}, TAR {string} and counter {string}', function (this: ObfWorld, spi: string, kic: string, kid: string, tar: string, cntr: string) {
  const p = decodeCommandPacket(this.requireCommand());
  expectEqual(toHex(p.spi.raw), spi, 'SPI');
  expectEqual(toHex(Uint8Array.of(p.kic.raw)), kic, 'KIc');
  expectEqual(toHex(Uint8Array.of(p.kid.raw)), kid, 'KID');
  expectEqual(toHex(p.tar), tar, 'TAR');
  expectEqual(p.cntr ? toHex(p.cntr) : null, cntr, 'CNTR');
});

Then("the command's RC is valid and its data is {string}", function (this: ObfWorld, text: string) {
  const p = decodeCommandPacket(this.requireCommand());
  expectEqual(p.verified, true, 'RC of the sample');
  expectEqual(Buffer.from(p.data!).toString('latin1'), text, 'data of the sample');
});

When("the profile's security-level check assesses SPI {string} for the {direction} direction", function (this: ObfWorld, spi: string, direction: 'up' | 'down') {
  this.assessment = assessSecurity(decodeSpi(fromHex(spi, 'SPI')), direction);
  this.trace.note(`security-level check of SPI ${spi} (${direction}): ${this.assessment.map((a) => `${a.id} ${a.provided ? 'provided' : 'NOT provided'}`).join('; ')}`);
});

Then(/^it reports property (B\.2-(?:up|down)-[1-4]) \(([^)]+)\) as not provided$/, function (this: ObfWorld, id: string, name: string) {
  const a = this.assessment?.find((x) => x.id === id);
  if (!a) throw new HarnessError(`no assessment for ${id}`);
  expectTrue(name.startsWith(a.property), `assessment of ${id} names another property`, name, a.property);
  expectEqual(a.provided, false, `${id} (${a.property}) provided by SPI 01 00: ${a.reason}`);
});

Then(/^the (device|Application Server) refuses an SPI 01 00 packet carrying "(.*)"$/, async function (this: ObfWorld, receiver: string, text: string) {
  const forged = forgeRcOnly(text);
  if (receiver === 'device') {
    await this.deliverDownlink('A', forged);
    expectTrue(!this.downlink!.accepted, 'the device acted on an SPI 01 00 command', 'rejected', `${this.downlink!.stage}: ${this.downlink!.reason}`);
  } else {
    await this.decryptAtServer(forged, this.known('A').iccid, 1);
    expectTrue(!this.asResult!.ok, 'the Application Server accepted an SPI 01 00 packet', 'a refusal', JSON.stringify(this.asResult));
  }
});
