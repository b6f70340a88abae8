/** Steps for the reference points RPB, RPO and RPR (draft 3.2, 6.4.2; GBA's Ub, Zn and the rights lookup). */
import { Given, Then, When } from '@cucumber/cucumber';
import { randomBytes } from 'node:crypto';
import type { ObfWorld } from './support/world.ts';
import { bootstrap, cardBootstrap, cardNafKey, foreignChallenge } from '../harness/gba-terminal.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance } from '../harness/verdicts.ts';
import { errorCodeOf } from '../adapters/index.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { nafId as makeNafId } from '../protocol/ts-33-220.ts';
import { describeSw } from '../protocol/iso-7816.ts';

/** The device and its GBA subscription; null when the SE declares no GBA (the step is then not applicable). */
export async function gbaOf(world: ObfWorld, label: string) {
  const d = await world.device(label);
  return d.gba ? { d, gba: d.gba } : null;
}

const NOT_APPLICABLE = 'skipped';

export function bootstrapped(world: ObfWorld, label: string): { btid: string } {
  const b = world.gba.bootstraps.get(label);
  if (b?.outcome.kind !== 'bootstrapped') throw new HarnessError(`device ${label} has not bootstrapped in this scenario`);
  return b.outcome;
}

export function naf(world: ObfWorld, name: string): { nafId: string; token: string } {
  const n = world.gba.nafs.get(name);
  if (!n) throw new HarnessError(`no Application Server "${name}" registered in this scenario`);
  return n;
}

When(/^device "([^"]+)" bootstraps with the Authentication Server( answering the challenge with a wrong RES| while an attacker alters AUTN on its way to the card)?$/, async function (this: ObfWorld, label: string, variant?: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const result = await bootstrap(g.d.secureElement, this.sut.authenticationServer, g.gba.impi, { wrongRes: variant?.includes('wrong RES'), tamperAutn: variant?.includes('alters AUTN') });
  this.gba.bootstraps.set(label, result);
  this.providers.bootstrappedWith.delete(label);
});

Given('device {string} has bootstrapped with the Authentication Server', async function (this: ObfWorld, label: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const result = await bootstrap(g.d.secureElement, this.sut.authenticationServer, g.gba.impi);
  if (result.outcome.kind !== 'bootstrapped') throw new NonConformance(`device ${label} could not bootstrap`, 'a B-TID', JSON.stringify(result.outcome));
  this.gba.bootstraps.set(label, result);
  this.providers.bootstrappedWith.delete(label);
});

Then(/^the bootstrap of device "([^"]+)" succeeds with a B-TID base64\(RAND\)@realm( after a resynchronisation)?$/, function (this: ObfWorld, label: string, resync?: string) {
  const b = this.gba.bootstraps.get(label);
  if (!b) throw new HarnessError(`device ${label} did not try to bootstrap`);
  expectTrue(b.outcome.kind === 'bootstrapped', `the bootstrap of device ${label} failed`, 'a B-TID', JSON.stringify(b.outcome));
  if (b.outcome.kind !== 'bootstrapped') return;
  const last = b.challenges[b.challenges.length - 1];
  const withProvider = this.providers.bootstrappedWith.get(label);
  const realm = (withProvider ? this.sut.providers.find((p) => p.name === withProvider)?.authenticationServer : this.sut.authenticationServer)?.realm;
  expectEqual(b.outcome.btid, `${Buffer.from(last.rand).toString('base64')}@${realm}`, 'B-TID (TS 33.220 4.5.2)');
  expectTrue(!Number.isNaN(Date.parse(b.outcome.lifetime)), 'the key lifetime is not a time', 'ISO 8601 time', b.outcome.lifetime);
  expectEqual(b.outcome.resynchronised, Boolean(resync), 'whether the bootstrap needed a resynchronisation');
});

Then('the Authentication Server refuses the bootstrap of device {string} with error {string}', function (this: ObfWorld, label: string, code: string) {
  const b = this.gba.bootstraps.get(label);
  if (!b) throw new HarnessError(`device ${label} did not try to bootstrap`);
  expectTrue(b.outcome.kind === 'refused-by-server', `the Authentication Server did not refuse the bootstrap of device ${label}`, `refusal ${code}`, JSON.stringify(b.outcome));
  if (b.outcome.kind === 'refused-by-server') expectEqual(b.outcome.code, code, 'the Authentication Server error code');
});

Then('the Secure Element of device {string} refuses the challenge with status {string} and no B-TID is issued', function (this: ObfWorld, label: string, sw: string) {
  const b = this.gba.bootstraps.get(label);
  if (!b) throw new HarnessError(`device ${label} did not try to bootstrap`);
  expectTrue(b.outcome.kind === 'refused-by-card', `the Secure Element of device ${label} accepted an altered AUTN`, `status ${sw}`, JSON.stringify(b.outcome));
  if (b.outcome.kind === 'refused-by-card') expectEqual(b.outcome.sw.toString(16).toUpperCase().padStart(4, '0'), sw, 'the Secure Element status word');
});

Given('the Secure Element of device {string} has accepted an authentication with sequence number {string} from another network', async function (this: ObfWorld, label: string, sqn: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const c = foreignChallenge(g.gba, fromHex(sqn, 'SQN'));
  this.trace.note(`another network authenticates the card of device ${label} with SQN ${sqn} (AUTN made with the test card's K/OPc)`);
  const a = await cardBootstrap(g.d.secureElement, c.rand, c.autn);
  if (a.kind !== 'success') throw new NonConformance(`the Secure Element of device ${label} refused a valid authentication`, 'DB RES', a.kind === 'refused' ? describeSw(a.sw) : a.kind);
});

When('the network replays the last challenge to the Secure Element of device {string}', async function (this: ObfWorld, label: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const c = this.gba.bootstraps.get(label)?.challenges.at(-1);
  if (!c) throw new HarnessError(`no challenge to replay for device ${label}`);
  this.gba.card = await cardBootstrap(g.d.secureElement, c.rand, c.autn);
});

Then('the Secure Element answers a synchronisation failure with AUTS', function (this: ObfWorld) {
  const a = this.gba.card;
  if (!a) throw new HarnessError('the Secure Element was not challenged');
  expectTrue(a.kind === 'sync-failure', 'the Secure Element accepted a replayed AUTN (stale SQN)', 'DC AUTS', a.kind === 'refused' ? describeSw(a.sw) : a.kind);
});

Given('Application Server {string} is registered with the Authentication Server', async function (this: ObfWorld, name: string) {
  // A fresh NAF FQDN per scenario: rights granted in one scenario must not carry over to the next when the device
  // is a lab's (one fixed ICCID for the run). A lab that registered its NAFs pins them in the target file (PIXIT).
  const nafId = this.sut.nafIds?.[name]?.toUpperCase() ?? toHex(makeNafId(`${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomBytes(3).toString('hex')}.naf.obf.example`));
  const entry = { nafId, token: randomBytes(24).toString('base64url') };
  const a = await this.sut.authenticationServer.registerNaf(entry.nafId, entry.token);
  if (a.status !== 201) throw new NonConformance(`the Authentication Server refused to register Application Server ${name}`, 'HTTP 201', `HTTP ${a.status} ${errorCodeOf(a)}`);
  this.gba.nafs.set(name, entry);
});

Given('the Resource Server grants {string} rights over device {string} for {string}', async function (this: ObfWorld, name: string, label: string, classes: string) {
  const a = await this.sut.resourceServer.grant((await this.device(label)).iccid, naf(this, name).nafId, classes.split(',').map((c) => c.trim()));
  if (a.status !== 200) throw new NonConformance(`the Resource Server refused to grant rights to ${name}`, 'HTTP 200', `HTTP ${a.status} ${errorCodeOf(a)}`);
});

When('the Resource Server revokes the rights of {string} over device {string}', async function (this: ObfWorld, name: string, label: string) {
  const a = await this.sut.resourceServer.revoke((await this.device(label)).iccid, naf(this, name).nafId);
  if (a.status !== 200) throw new NonConformance(`the Resource Server did not revoke the rights of ${name}`, 'HTTP 200', `HTTP ${a.status} ${errorCodeOf(a)}`);
});

When(/^Application Server "([^"]+)" asks for the key of device "([^"]+)"(?: for the NAF_Id of "([^"]+)")?$/, async function (this: ObfWorld, name: string, label: string, other?: string) {
  const asking = naf(this, name);
  this.gba.rpo = await this.sut.authenticationServer.rpo(asking.token, { btid: bootstrapped(this, label).btid, nafId: naf(this, other ?? name).nafId });
  const key = this.gba.rpo.body.ksNaf;
  if (typeof key === 'string') {
    this.trace.addSecret(key);
    this.gba.keys.set(name, key.toUpperCase());
  }
  const intKey = this.gba.rpo.body.ksIntNaf;
  if (typeof intKey === 'string') {
    this.trace.addSecret(intKey);
    this.gba.intKeys.set(name, intKey.toUpperCase());
  }
});

When('Application Server {string} presents a B-TID the Authentication Server never issued', async function (this: ObfWorld, name: string) {
  const asking = naf(this, name);
  const btid = `${randomBytes(16).toString('base64')}@${this.sut.authenticationServer.realm}`;
  this.gba.rpo = await this.sut.authenticationServer.rpo(asking.token, { btid, nafId: asking.nafId });
});

Then('the keys given to {string} and {string} differ', function (this: ObfWorld, a: string, b: string) {
  const ka = this.gba.keys.get(a);
  const kb = this.gba.keys.get(b);
  if (!ka || !kb) throw new NonConformance('an entitled Application Server got no key over RPO', 'a key for each', `${a}: ${ka ? 'key' : 'none'}, ${b}: ${kb ? 'key' : 'none'}`);
  expectTrue(ka !== kb, 'two Application Servers got the same key for one bootstrap', 'keys bound to each NAF_Id', 'equal keys');
});

Then('each key equals the Ks_ext_NAF the Secure Element of device {string} derives for its Application Server', async function (this: ObfWorld, label: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  for (const [name, key] of this.gba.keys) {
    const onCard = toHex(await cardNafKey(g.d.secureElement, fromHex(naf(this, name).nafId), g.gba.impi));
    this.trace.addSecret(onCard);
    expectTrue(onCard === key, `the Secure Element and "${name}" do not hold the same NAF key`, 'equal keys', 'they differ');
  }
});

Given('the key lifetime has passed', async function (this: ObfWorld) {
  const auth = this.sut.authenticationServer;
  if (!auth.advanceClock) return 'skipped'; // not applicable: the server offers no clock the harness can move
  // Past the latest lifetime the server gave in this scenario, whatever its policy, plus a minute.
  const lifetimes = [...this.gba.bootstraps.values()].flatMap((b) => (b.outcome.kind === 'bootstrapped' ? [Date.parse(b.outcome.lifetime)] : []));
  const until = lifetimes.length ? Math.max(...lifetimes) : Date.now();
  const a = await auth.advanceClock(Math.max(60, Math.ceil((until - Date.now()) / 1000) + 60));
  if (a.status !== 200) throw new HarnessError(`moving the Authentication Server's clock failed: HTTP ${a.status}`);
});

Then('the Authentication Server gives {string} the key of device {string} with its identity, lifetime and the data classes {string}', function (this: ObfWorld, name: string, label: string, classes: string) {
  const a = this.gba.rpo;
  if (!a) throw new HarnessError('no RPO request in this scenario');
  expectEqual(a.status, 200, `RPO answer to ${name} (${errorCodeOf(a) ?? 'no error code'})`);
  const d = this.known(label);
  expectEqual(a.body.iccid, d.iccid, 'ICCID in the RPO answer');
  expectEqual(a.body.impi, d.gba?.impi, 'IMPI in the RPO answer');
  expectTrue(typeof a.body.ksNaf === 'string' && /^[0-9A-Fa-f]{64}$/.test(a.body.ksNaf), 'the RPO answer has no 32-byte Ks_NAF', '64 hex digits', String(a.body.ksNaf).length + ' characters');
  const settings = a.body.settings as { dataClasses?: unknown } | undefined;
  expectEqual(JSON.stringify(settings?.dataClasses), JSON.stringify(classes.split(',').map((c) => c.trim())), 'data classes in the RPO answer');
});

Then('the key equals the Ks_ext_NAF the Secure Element of device {string} derives for {string}', async function (this: ObfWorld, label: string, name: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const onCard = toHex(await cardNafKey(g.d.secureElement, fromHex(naf(this, name).nafId), g.gba.impi));
  this.trace.addSecret(onCard);
  expectTrue(String(this.gba.rpo?.body.ksNaf).toUpperCase() === onCard, 'the Application Server and the Secure Element do not hold the same NAF key', 'the key from RPO equals the card\'s Ks_ext_NAF', 'they differ');
});

Then('the Authentication Server refuses the key request with error {string}', function (this: ObfWorld, code: string) {
  const a = this.gba.rpo;
  if (!a) throw new HarnessError('no RPO request in this scenario');
  expectTrue(a.status >= 400, 'the Authentication Server handed out a key it must refuse', `refusal ${code}`, `HTTP ${a.status}`);
  expectEqual(errorCodeOf(a), code, 'the Authentication Server error code');
});
