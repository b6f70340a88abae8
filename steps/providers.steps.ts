/**
 * Steps for requirements 6.3.1 a-e and g: several authentication providers, eUICC subscriptions, moving a device
 * between providers and telling its Application Servers. The harness plays the Application Servers (NAFs) and the
 * device's owner; the providers' servers and the SE are the system under test.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { randomBytes } from 'node:crypto';
import type { ObfWorld } from './support/world.ts';
import { bootstrap, cardNafKey } from '../harness/gba-terminal.ts';
import { enableProfile } from '../harness/euicc-commands.ts';
import { NotificationSink } from '../harness/notification-sink.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance, NotApplicable } from '../harness/verdicts.ts';
import { errorCodeOf, type AuthenticationProvider, type DeviceUnderTest, type SubscriptionProfile } from '../adapters/index.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { nafId as makeNafId } from '../protocol/ts-33-220.ts';

/** "A", "B" and "C" -> [A, B, C] */
const quotedList = (s: string): string[] => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1]);

function provider(world: ObfWorld, name: string): AuthenticationProvider {
  const p = world.sut.providers.find((x) => x.name === name);
  // A provider the system under test does not have (a target file's single third-party provider) is not tested here.
  if (!p) throw new NotApplicable(`the system under test has no provider "${name}" (it has ${world.sut.providers.map((x) => x.name).join(', ')})`);
  return p;
}

/** The device's subscription with a provider: an eUICC profile, or the plain card's one subscription. */
function profile(world: ObfWorld, d: DeviceUnderTest, name: string): SubscriptionProfile {
  const p = d.euicc?.profiles.find((x) => x.provider === name);
  if (p) return p;
  if (!d.euicc && d.gba && name === world.sut.providers[0]?.name) return { provider: name, iccid: d.iccid, gba: d.gba };
  throw new HarnessError(`device ${d.label} has no subscription of "${name}"`);
}

function naf(world: ObfWorld, name: string): { nafId: string; token: string } {
  const n = world.gba.nafs.get(name);
  if (!n) throw new HarnessError(`no Application Server "${name}" registered in this scenario`);
  return n;
}

function btidOf(world: ObfWorld, label: string): string {
  const b = world.gba.bootstraps.get(label);
  if (b?.outcome.kind !== 'bootstrapped') throw new NonConformance(`device ${label} has no B-TID`, 'a successful bootstrap', JSON.stringify(b?.outcome ?? 'no bootstrap'));
  return b.outcome.btid;
}

async function register(world: ObfWorld, name: string, fqdn: string, providers: string[]): Promise<void> {
  const entry = world.gba.nafs.get(name) ?? { nafId: toHex(makeNafId(fqdn)), token: randomBytes(24).toString('base64url') };
  for (const p of providers) {
    const a = await provider(world, p).authenticationServer.registerNaf(entry.nafId, entry.token);
    if (a.status !== 201) throw new NonConformance(`${p} refused to register Application Server ${name} (${fqdn})`, 'HTTP 201', `HTTP ${a.status} ${errorCodeOf(a)}`);
  }
  world.gba.nafs.set(name, entry);
}

async function sink(world: ObfWorld): Promise<NotificationSink> {
  world.providers.sink ??= await NotificationSink.start();
  return world.providers.sink;
}

Given(/^device "([^"]+)" whose eUICC holds profiles of (.+)$/, async function (this: ObfWorld, label: string, list: string) {
  if (this.devices.has(label)) throw new HarnessError(`device ${label} is already provisioned in this scenario`);
  const d = await this.sut.provisionDevice(label, { subscriptions: quotedList(list) });
  this.devices.set(label, d);
  this.trace.note(`device ${label}: eUICC ${d.euicc?.eid}, profiles ${d.euicc?.profiles.map((p) => `${p.provider} ICCID ${p.iccid}`).join(', ')}`);
});

Given('device {string} with a subscription of {string}', async function (this: ObfWorld, label: string, name: string) {
  const d = await this.sut.provisionDevice(label, { subscriptions: [name] });
  this.devices.set(label, d);
  this.trace.note(`device ${label}: subscription of ${name}, ICCID ${d.iccid}`);
});

Given(/^Application Server "([^"]+)" is registered with ((?:"[^"]+"(?:, | and )?)+)$/, async function (this: ObfWorld, name: string, list: string) {
  await register(this, name, `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.naf.obf.example`, quotedList(list));
});

Given('Application Server {string} in the domain {string} is registered with {string}', async function (this: ObfWorld, name: string, domain: string, p: string) {
  await register(this, name, `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${domain}`, [p]);
});

When(/^the eUICC of device "([^"]+)" (enables|has enabled) its profile of "([^"]+)"$/, async function (this: ObfWorld, label: string, verb: string, name: string) {
  const d = this.known(label);
  if (!d.euicc) throw new HarnessError(`device ${label} has no eUICC`);
  const result = await enableProfile(d.secureElement, profile(this, d, name).iccid);
  // As a precondition, a profile that is already the enabled one will do (SGP.22: profileNotInDisabledState).
  if (verb === 'has enabled' && result === 'profileNotInDisabledState') return;
  expectEqual(result, 'ok', `EnableProfile result for the profile of ${name} (SGP.22 enableResult)`);
});

When(/^device "([^"]+)" (?:bootstraps|has bootstrapped) with "([^"]+)"( answering the challenge with a wrong RES)?$/, async function (this: ObfWorld, label: string, name: string, wrong?: string) {
  const d = this.known(label);
  const result = await bootstrap(d.secureElement, provider(this, name).authenticationServer, profile(this, d, name).gba.impi, { wrongRes: Boolean(wrong) });
  this.gba.bootstraps.set(label, result);
  this.providers.bootstrappedWith.set(label, name);
});

Given(/^"([^"]+)" grants "([^"]+)" rights over device "([^"]+)" for "([^"]+)"( and is to tell it of subscription changes)?$/, async function (this: ObfWorld, p: string, name: string, label: string, classes: string, tell?: string) {
  const d = await this.device(label);
  const notifyUrl = tell ? (await sink(this)).urlFor(name) : undefined;
  const a = await provider(this, p).resourceServer.grant(profile(this, d, p).iccid, naf(this, name).nafId, classes.split(',').map((c) => c.trim()), notifyUrl);
  if (a.status !== 200) throw new NonConformance(`the Resource Server of ${p} refused to grant rights to ${name}`, 'HTTP 200', `HTTP ${a.status} ${errorCodeOf(a)}`);
});

When(/^Application Server "([^"]+)" asks "([^"]+)" for the key of device "([^"]+)"$/, async function (this: ObfWorld, name: string, p: string, label: string) {
  const asking = naf(this, name);
  this.gba.rpo = await provider(this, p).authenticationServer.rpo(asking.token, { btid: btidOf(this, label), nafId: asking.nafId });
  const key = this.gba.rpo.body.ksNaf;
  if (typeof key === 'string') {
    this.trace.addSecret(key);
    this.gba.keys.set(name, key.toUpperCase());
  }
});

When('an application never registered with {string} asks for the key of device {string}', async function (this: ObfWorld, p: string, label: string) {
  const stranger = { nafId: toHex(makeNafId('stranger.example')), token: randomBytes(24).toString('base64url') };
  this.gba.rpo = await provider(this, p).authenticationServer.rpo(stranger.token, { btid: btidOf(this, label), nafId: stranger.nafId });
});

Then('{string} gets the key the Secure Element of device {string} derives for it', async function (this: ObfWorld, name: string, label: string) {
  const a = this.gba.rpo;
  if (!a) throw new HarnessError('no RPO request in this scenario');
  expectEqual(a.status, 200, `RPO answer to ${name} (${errorCodeOf(a) ?? 'no error code'})`);
  const d = this.known(label);
  const withProvider = this.providers.bootstrappedWith.get(label) ?? this.sut.providers[0].name;
  const onCard = toHex(await cardNafKey(d.secureElement, fromHex(naf(this, name).nafId), profile(this, d, withProvider).gba.impi));
  this.trace.addSecret(onCard);
  expectTrue(String(a.body.ksNaf).toUpperCase() === onCard, `the Secure Element and "${name}" do not hold the same NAF key`, 'the key from RPO equals the card\'s Ks_ext_NAF', 'they differ');
});

Then('the B-TID of device {string} names the realm of {string}', function (this: ObfWorld, label: string, p: string) {
  const realm = provider(this, p).authenticationServer.realm;
  expectTrue(btidOf(this, label).endsWith(`@${realm}`), `the B-TID does not name the realm of ${p}`, `…@${realm}`, btidOf(this, label).replace(/^.*@/, '…@'));
});

When('the owner transfers device {string} from {string} to {string}', async function (this: ObfWorld, label: string, from: string, to: string) {
  const d = this.known(label);
  const [old, next] = [profile(this, d, from), profile(this, d, to)];
  this.providers.moved = await provider(this, from).resourceServer.exportRights(old.iccid);
  const moved = this.providers.moved;
  if (moved.status !== 200) throw new NonConformance(`the Resource Server of ${from} did not export the rights of device ${label}`, 'HTTP 200', `HTTP ${moved.status} ${errorCodeOf(moved)}`);
  for (const r of (moved.body.rights as Array<{ nafId: string; dataClasses: string[] }> | undefined) ?? []) {
    const g = await provider(this, to).resourceServer.grant(next.iccid, r.nafId, r.dataClasses);
    if (g.status !== 200) throw new NonConformance(`the Resource Server of ${to} refused the moved rights`, 'HTTP 200', `HTTP ${g.status} ${errorCodeOf(g)}`);
  }
  const out = await provider(this, from).authenticationServer.transferOut(old.gba.impi);
  if (out.status !== 200) throw new NonConformance(`${from} refused the owner's transfer of device ${label}`, 'HTTP 200', `HTTP ${out.status} ${errorCodeOf(out)}`);
  expectEqual(await enableProfile(d.secureElement, next.iccid), 'ok', `EnableProfile result for the profile of ${to}`);
});

Then('what moved holds the rights of {string} for {string} and no key material of device {string}', function (this: ObfWorld, name: string, classes: string, label: string) {
  const moved = this.providers.moved;
  if (!moved) throw new HarnessError('nothing was transferred in this scenario');
  const rights = (moved.body.rights as Array<{ nafId: string; dataClasses: string[] }> | undefined) ?? [];
  const mine = rights.find((r) => r.nafId.toUpperCase() === naf(this, name).nafId.toUpperCase());
  expectEqual(JSON.stringify(mine?.dataClasses ?? null), JSON.stringify(classes.split(',').map((c) => c.trim())), `the rights of ${name} in what moved`);
  const text = JSON.stringify(moved.body).toUpperCase();
  const d = this.known(label);
  const secrets = (d.euicc?.profiles ?? []).flatMap((p) => [p.gba.k, p.gba.opc]).map((k) => toHex(k).toUpperCase());
  expectTrue(!secrets.some((k) => text.includes(k)) && !/"(K|OPC|KS|KSNAF|KEY)"/.test(text), 'key material left the old provider in the transfer', 'identities and rights only', 'a key field or a subscriber key');
});

When('the owner reports to {string} that device {string} now runs its profile of {string}', async function (this: ObfWorld, from: string, label: string, to: string) {
  const d = this.known(label);
  const p = provider(this, to);
  const a = await provider(this, from).resourceServer.subscriptionChange({ iccid: profile(this, d, from).iccid, newIccid: profile(this, d, to).iccid, authenticationServer: { realm: p.authenticationServer.realm, url: p.url } });
  if (a.status !== 200) throw new NonConformance(`the Resource Server of ${from} refused the subscription change`, 'HTTP 200', `HTTP ${a.status} ${errorCodeOf(a)}`);
});

Then('{string} is told that device {string} is now served by {string}', async function (this: ObfWorld, name: string, label: string, to: string) {
  const got = (await sink(this)).to(name);
  const want = { iccid: profile(this, this.known(label), to).iccid, realm: provider(this, to).authenticationServer.realm };
  this.trace.note(`notifications to ${name}: ${got.length}`);
  const match = got.find((n) => n.body?.newIccid === want.iccid && (n.body?.authenticationServer as { realm?: unknown } | undefined)?.realm === want.realm);
  expectTrue(match !== undefined, `${name}, a beneficiary of device ${label}, was not told the new Authentication Server`, `a notification naming ICCID ${want.iccid} and ${want.realm}`, got.length ? JSON.stringify(got.map((n) => n.body ?? n.malformed)) : 'no notification');
});

Then('{string} is told nothing', async function (this: ObfWorld, name: string) {
  const got = (await sink(this)).to(name);
  expectEqual(got.length, 0, `notifications received by ${name}, which holds no rights over the device`);
});
