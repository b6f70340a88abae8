/**
 * Steps for requirements 6.3.1 f and h: several beneficiaries of one device, each with its own part of the data
 * and its own key, working at the same time. The harness plays the beneficiaries and the device's application;
 * the card's key derivation and the providers' servers are under test.
 */
import { Then, When } from '@cucumber/cucumber';
import type { ObfWorld } from './support/world.ts';
import { cardNafKey } from '../harness/gba-terminal.ts';
import { open, seal } from '../harness/sealed-data.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance } from '../harness/verdicts.ts';
import { fromHex, toHex } from '../protocol/hex.ts';

function naf(world: ObfWorld, name: string): { nafId: string; token: string } {
  const n = world.gba.nafs.get(name);
  if (!n) throw new HarnessError(`no Application Server "${name}" registered in this scenario`);
  return n;
}

function btidOf(world: ObfWorld, label: string): string {
  const b = world.gba.bootstraps.get(label);
  if (b?.outcome.kind !== 'bootstrapped') throw new HarnessError(`device ${label} has not bootstrapped in this scenario`);
  return b.outcome.btid;
}

When('Application Server {string} asks for the key of device {string} for data class {string}', async function (this: ObfWorld, name: string, label: string, dataClass: string) {
  const asking = naf(this, name);
  this.gba.rpo = await this.sut.authenticationServer.rpo(asking.token, { btid: btidOf(this, label), nafId: asking.nafId, dataClass });
  const key = this.gba.rpo.body.ksNaf;
  if (typeof key === 'string') {
    this.trace.addSecret(key);
    this.gba.keys.set(name, key.toUpperCase());
  }
});

When('{string}, {string} and {string} ask for the key of device {string} at the same time', async function (this: ObfWorld, a: string, b: string, c: string, label: string) {
  const btid = btidOf(this, label);
  const answers = await Promise.all([a, b, c].map((name) => this.sut.authenticationServer.rpo(naf(this, name).token, { btid, nafId: naf(this, name).nafId })));
  answers.forEach((r, i) => {
    const name = [a, b, c][i];
    if (r.status !== 200 || typeof r.body.ksNaf !== 'string') throw new NonConformance(`the key request of ${name}, made together with the others, was refused`, 'HTTP 200 with ksNaf', `HTTP ${r.status}`);
    this.trace.addSecret(r.body.ksNaf);
    this.gba.keys.set(name, r.body.ksNaf.toUpperCase());
  });
});

Then('the keys given to {string}, {string} and {string} all differ', function (this: ObfWorld, a: string, b: string, c: string) {
  const keys = [a, b, c].map((n) => this.gba.keys.get(n));
  expectTrue(keys.every(Boolean), 'a beneficiary got no key', 'a key for each', keys.map((k, i) => `${[a, b, c][i]}: ${k ? 'key' : 'none'}`).join(', '));
  expectEqual(new Set(keys).size, 3, 'distinct keys among the three beneficiaries');
});

When('device {string} seals its {string} data {string} for {string}', async function (this: ObfWorld, label: string, dataClass: string, text: string, name: string) {
  const d = this.known(label);
  if (!d.gba) throw new HarnessError(`device ${label} has no GBA subscription`);
  const key = await cardNafKey(d.secureElement, fromHex(naf(this, name).nafId), d.gba.impi);
  this.trace.addSecret(toHex(key));
  this.providers.sealed.set(dataClass, { sealed: seal(key, dataClass, new TextEncoder().encode(text)), text });
  this.trace.note(`device ${label} seals its ${dataClass} data for ${name} (AES-256-GCM under the card's Ks_ext_NAF for ${name})`);
});

Then(/^"([^"]+)" (opens|cannot open) the "([^"]+)" data with its key$/, function (this: ObfWorld, name: string, verb: string, dataClass: string) {
  const s = this.providers.sealed.get(dataClass);
  if (!s) throw new HarnessError(`no ${dataClass} data was sealed in this scenario`);
  const key = this.gba.keys.get(name);
  if (!key) throw new NonConformance(`${name} holds no key from the Authentication Server`, 'a key over RPO', 'none');
  const plain = open(fromHex(key), s.sealed);
  if (verb === 'opens') expectEqual(plain ? new TextDecoder().decode(plain) : null, s.text, `the ${dataClass} data as ${name} reads it`);
  else expectEqual(plain === null, true, `whether ${name} failed to read the ${dataClass} data meant for another beneficiary`);
});
