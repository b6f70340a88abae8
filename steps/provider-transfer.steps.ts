/**
 * Steps for the transfer of the authentication provider (draft 6.4.3 a, Figure 5; docs/profile/provider-transfer.md).
 * Providers are named as the system under test names them (`providers`); the draft's A is the one a card trusts
 * now, B the one it moves to. A provider, card or server without the transfer makes the steps not applicable.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { randomBytes } from 'node:crypto';
import type { ObfWorld } from './support/world.ts';
import { bootstrap, cardNafKey, cardBootstrap, foreignChallenge } from '../harness/gba-terminal.ts';
import { NoTransferSupport, cardProvider, cardPublicKey, cardTransfer, forgedStatement, providerKeysOf, tamperedStatement } from '../harness/provider-transfer.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance, NotApplicable } from '../harness/verdicts.ts';
import { errorCodeOf, type AuthenticationServerAdapter, type ProviderKeys, type ProviderTransferAdapter } from '../adapters/index.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { nafId as makeNafId } from '../protocol/ts-33-220.ts';
import { describeSw } from '../protocol/iso-7816.ts';
import { providerKeyPairs } from '../protocol/obf-provider-transfer.ts';

const NOT_APPLICABLE = 'skipped';

/** The Authentication Server of a named provider; NoTransferSupport when it offers no provider transfer. */
function server(world: ObfWorld, name: string): AuthenticationServerAdapter & { transfer: ProviderTransferAdapter } {
  const provider = world.sut.providers.find((p) => p.name === name);
  if (!provider) throw new NotApplicable(`the system under test has no provider "${name}" (it has ${world.sut.providers.map((p) => p.name).join(', ')})`);
  const auth = provider.authenticationServer;
  if (!auth.transfer) throw new NoTransferSupport(`the Authentication Server of ${name} offers no provider transfer`);
  return auth as AuthenticationServerAdapter & { transfer: ProviderTransferAdapter };
}

/** Run a step body; a missing capability (no transfer on the card or the provider's server) makes the step not applicable. */
function step<A extends unknown[]>(body: (this: ObfWorld, ...args: A) => Promise<void> | void) {
  const wrapped = async function (this: ObfWorld, ...args: A): Promise<void | 'skipped'> {
    try {
      await body.apply(this, args);
    } catch (e) {
      if (e instanceof NoTransferSupport) return NOT_APPLICABLE;
      throw e;
    }
  };
  // Cucumber matches a step's parameters against the function's declared arity.
  return Object.defineProperty(wrapped, 'length', { value: body.length });
}

/** The IMPI the device has with this provider: the one a transfer gave, else the lab's declared card IMPI. */
async function impiWith(world: ObfWorld, serverName: string, label: string): Promise<string> {
  const d = await world.device(label);
  const impi = world.transfer.impis.get(`${serverName}/${label}`) ?? d.gba?.impi;
  if (!impi) throw new NoTransferSupport(`device ${label} declares no GBA subscription`);
  return impi;
}

async function sign(world: ObfWorld, from: string, to: string, label: string): Promise<Uint8Array> {
  const target = await providerKeysOf(server(world, to));
  const a = await server(world, from).transfer.signTransfer({ iccid: (await world.device(label)).iccid, ...target });
  const statement = a.body.statement;
  if (a.status !== 201 || typeof statement !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(statement)) {
    throw new NonConformance(`the Authentication Server of ${from} did not sign the owner's transfer to ${to}`, 'HTTP 201 with a hex statement', `HTTP ${a.status} ${errorCodeOf(a) ?? JSON.stringify(a.body).slice(0, 80)}`);
  }
  return fromHex(statement, 'statement');
}

async function takeOver(world: ObfWorld, serverName: string, label: string, statement: Uint8Array): Promise<void> {
  const a = await server(world, serverName).transfer.acceptSubscription(toHex(statement));
  if (a.status !== 201 || typeof a.body.impi !== 'string') throw new NonConformance(`the Authentication Server of ${serverName} did not take over the subscription of device ${label}`, 'HTTP 201 with the IMPI', `HTTP ${a.status} ${errorCodeOf(a)}`);
  world.transfer.impis.set(`${serverName}/${label}`, a.body.impi);
}

async function giveToCard(world: ObfWorld, label: string, statement: Uint8Array): Promise<void> {
  world.transfer.sw = await cardTransfer((await world.device(label)).secureElement, statement);
}

Given(/^the providers ((?:"[^"]+"(?:, | and )?)+) have business agreements for provider transfers$/, step(async function (list: string) {
  const names = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const keys = new Map<string, ProviderKeys>();
  for (const name of names) keys.set(name, await providerKeysOf(server(this, name)));
  // Each pair exchanges public keys only (Figure 5): what a business agreement gives each side.
  for (const name of names) {
    for (const partner of names.filter((n) => n !== name)) {
      const r = await server(this, name).transfer.registerPartner(keys.get(partner)!);
      if (r.status !== 201) throw new HarnessError(`the Authentication Server of ${name} refused the agreement with ${partner}: HTTP ${r.status} ${errorCodeOf(r)}`);
    }
  }
}));

Given('the owner has the Authentication Server of {string} sign the transfer of device {string} to the Authentication Server of {string} as {string}', step(async function (from: string, label: string, to: string, name: string) {
  this.transfer.statements.set(name, await sign(this, from, to, label));
}));

Given(/^device "([^"]+)" has moved from the Authentication Server of "([^"]+)" to the Authentication Server of "([^"]+)"(?: with the statement "([^"]+)")?$/, step(async function (label: string, from: string, to: string, name?: string) {
  const statement = await sign(this, from, to, label);
  if (name) this.transfer.statements.set(name, statement);
  await giveToCard(this, label, statement);
  if (this.transfer.sw !== 0x9000) throw new NonConformance(`the Secure Element of device ${label} refused a transfer its provider signed`, '9000', describeSw(this.transfer.sw!));
  await takeOver(this, to, label, statement);
}));

When(/^the Secure Element of device "([^"]+)" is given the transfer statement "([^"]+)"(?: again)?$/, step(async function (label: string, name: string) {
  const statement = this.transfer.statements.get(name);
  if (!statement) throw new HarnessError(`no transfer statement "${name}" in this scenario`);
  await giveToCard(this, label, statement);
}));

When('an attacker signs a transfer of device {string} to the Authentication Server of {string} with its own key and gives it to the Secure Element', step(async function (label: string, to: string) {
  const se = (await this.device(label)).secureElement;
  const card = { iccid: (await this.device(label)).iccid, publicKey: await cardPublicKey(se), sequence: (await cardProvider(se)).sequence };
  const statement = forgedStatement(card, await providerKeysOf(server(this, to)));
  this.transfer.statements.set('attacker', statement);
  await giveToCard(this, label, statement);
}));

When('an attacker replaces the new provider\'s key-agreement key in statement {string} and gives it to the Secure Element of device {string}', step(async function (name: string, label: string) {
  const statement = this.transfer.statements.get(name);
  if (!statement) throw new HarnessError(`no transfer statement "${name}" in this scenario`);
  await giveToCard(this, label, tamperedStatement(statement));
}));

When('the owner asks the Authentication Server of {string} to sign the transfer of device {string} to a provider it has no agreement with', step(async function (from: string, label: string) {
  const keys = providerKeyPairs(randomBytes(32), randomBytes(32));
  const rogue = { providerId: 'ims.rogue-provider.example', signingKey: toHex(keys.signing.publicKey), keyAgreementKey: toHex(keys.keyAgreement.publicKey) };
  this.transfer.answer = await server(this, from).transfer.signTransfer({ iccid: (await this.device(label)).iccid, ...rogue });
}));

When('the Authentication Server of {string} is asked to take over the subscription of device {string} from the statement {string}', step(async function (serverName: string, label: string, name: string) {
  const statement = this.transfer.statements.get(name);
  if (!statement) throw new HarnessError(`no transfer statement "${name}" for device ${label} in this scenario`);
  this.transfer.answer = await server(this, serverName).transfer.acceptSubscription(toHex(statement));
}));

When('the Authentication Server of {string} takes over the subscription of device {string} from the statement {string}', step(async function (serverName: string, label: string, name: string) {
  const statement = this.transfer.statements.get(name);
  if (!statement) throw new HarnessError(`no transfer statement "${name}" in this scenario`);
  await takeOver(this, serverName, label, statement);
}));

Then('the Authentication Server of {string} refuses with error {string}', function (this: ObfWorld, serverName: string, code: string) {
  const a = this.transfer.answer;
  if (!a) throw new HarnessError(`no transfer request to the Authentication Server of ${serverName} in this scenario`);
  expectTrue(a.status >= 400, `the Authentication Server of ${serverName} did what it must refuse`, `refusal ${code}`, `HTTP ${a.status}`);
  expectEqual(errorCodeOf(a), code, `the Authentication Server of ${serverName} error code`);
});

Then('the Secure Element of device {string} accepts the transfer', function (this: ObfWorld, label: string) {
  if (this.transfer.sw === null) throw new HarnessError(`no transfer statement was given to the Secure Element of device ${label}`);
  expectEqual(describeSw(this.transfer.sw), describeSw(0x9000), `the Secure Element of device ${label} answer to TRANSFER PROVIDER`);
});

Then('the Secure Element of device {string} refuses the transfer with status {string}', function (this: ObfWorld, label: string, sw: string) {
  if (this.transfer.sw === null) throw new HarnessError(`no transfer statement was given to the Secure Element of device ${label}`);
  expectEqual(describeSw(this.transfer.sw), describeSw(parseInt(sw, 16)), `the Secure Element of device ${label} answer to TRANSFER PROVIDER`);
});

Then('the Secure Element of device {string} trusts provider {string} with transfer sequence {int}', step(async function (label: string, serverName: string, sequence: number) {
  const record = await cardProvider((await this.device(label)).secureElement);
  const keys = await providerKeysOf(server(this, serverName));
  expectEqual(record.providerId, keys.providerId, `the provider the Secure Element of device ${label} trusts`);
  expectEqual(toHex(record.signingKey), keys.signingKey, `the provider signing key the Secure Element of device ${label} holds`);
  expectEqual(record.sequence, sequence, `the transfer sequence number of the Secure Element of device ${label}`);
}));

When(/^device "([^"]+)" (?:bootstraps|has bootstrapped) with the Authentication Server of "([^"]+)"$/, step(async function (label: string, serverName: string) {
  const d = await this.device(label);
  if (!d.gba) throw new NoTransferSupport(`device ${label} declares no GBA subscription`);
  const result = await bootstrap(d.secureElement, server(this, serverName), await impiWith(this, serverName, label));
  this.transfer.bootstraps.set(`${serverName}/${label}`, result.outcome);
}));

Then('the bootstrap of device {string} with the Authentication Server of {string} succeeds', function (this: ObfWorld, label: string, serverName: string) {
  const o = this.transfer.bootstraps.get(`${serverName}/${label}`);
  if (!o) throw new HarnessError(`device ${label} did not try to bootstrap with the Authentication Server of ${serverName}`);
  expectTrue(o.kind === 'bootstrapped', `the bootstrap of device ${label} with the Authentication Server of ${serverName} failed`, 'a B-TID', JSON.stringify(o));
  if (o.kind === 'bootstrapped') expectTrue(o.btid.endsWith(`@${server(this, serverName).realm}`), 'the B-TID is not in the new provider\'s realm', `...@${server(this, serverName).realm}`, o.btid);
});

Then('the Authentication Server of {string} refuses the bootstrap of device {string} with error {string}', function (this: ObfWorld, serverName: string, label: string, code: string) {
  const o = this.transfer.bootstraps.get(`${serverName}/${label}`);
  if (!o) throw new HarnessError(`device ${label} did not try to bootstrap with the Authentication Server of ${serverName}`);
  expectTrue(o.kind === 'refused-by-server', `the Authentication Server of ${serverName} did not refuse the bootstrap of device ${label}`, `refusal ${code}`, JSON.stringify(o));
  if (o.kind === 'refused-by-server') expectEqual(o.code, code, `the Authentication Server of ${serverName} error code`);
});

Given('Application Server {string} is registered with the Authentication Server of {string}', step(async function (name: string, serverName: string) {
  const entry = { nafId: toHex(makeNafId(`${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.naf.obf.example`)), token: randomBytes(24).toString('base64url') };
  const a = await server(this, serverName).registerNaf(entry.nafId, entry.token);
  if (a.status !== 201) throw new NonConformance(`the Authentication Server of ${serverName} refused to register Application Server ${name}`, 'HTTP 201', `HTTP ${a.status} ${errorCodeOf(a)}`);
  this.gba.nafs.set(name, entry);
}));

Given('the Resource Server of {string} grants {string} rights over device {string} for {string}', async function (this: ObfWorld, providerName: string, name: string, label: string, classes: string) {
  const provider = this.sut.providers.find((p) => p.name === providerName);
  const n = this.gba.nafs.get(name);
  if (!provider || !n) throw new HarnessError(`no provider "${providerName}" or Application Server "${name}" in this scenario`);
  const a = await provider.resourceServer.grant((await this.device(label)).iccid, n.nafId, classes.split(',').map((c) => c.trim()));
  if (a.status !== 200) throw new NonConformance(`the Resource Server of ${providerName} refused to grant rights to ${name}`, 'HTTP 200', `HTTP ${a.status} ${errorCodeOf(a)}`);
});

When('Application Server {string} asks the Authentication Server of {string} for the key of device {string}', step(async function (name: string, serverName: string, label: string) {
  const n = this.gba.nafs.get(name);
  const o = this.transfer.bootstraps.get(`${serverName}/${label}`);
  if (!n || o?.kind !== 'bootstrapped') throw new HarnessError(`Application Server ${name} or a bootstrap of device ${label} with the Authentication Server of ${serverName} is missing`);
  this.gba.rpo = await server(this, serverName).rpo(n.token, { btid: o.btid, nafId: n.nafId });
  const key = this.gba.rpo.body.ksNaf;
  if (typeof key === 'string') this.trace.addSecret(key);
  this.transfer.key = typeof key === 'string' ? { server: serverName, name, ksNaf: key.toUpperCase() } : null;
}));

Then('the Authentication Server of {string} refuses the key request with error {string}', function (this: ObfWorld, serverName: string, code: string) {
  const a = this.gba.rpo;
  if (!a) throw new HarnessError('no RPO request in this scenario');
  expectTrue(a.status >= 400, `the Authentication Server of ${serverName} handed out key material it must refuse`, `refusal ${code}`, `HTTP ${a.status}`);
  expectEqual(errorCodeOf(a), code, `the Authentication Server of ${serverName} error code`);
});

Then('the key equals the Ks_ext_NAF the Secure Element of device {string} derives for {string} under its new subscription', step(async function (label: string, name: string) {
  const got = this.transfer.key;
  if (!got || got.name !== name) throw new NonConformance(`Application Server ${name} got no key over RPO`, 'a Ks_NAF', `HTTP ${this.gba.rpo?.status} ${this.gba.rpo ? errorCodeOf(this.gba.rpo) : ''}`);
  const n = this.gba.nafs.get(name)!;
  const onCard = toHex(await cardNafKey((await this.device(label)).secureElement, fromHex(n.nafId), await impiWith(this, got.server, label)));
  this.trace.addSecret(onCard);
  expectTrue(onCard === got.ksNaf, `the Secure Element and "${name}" do not hold the same NAF key`, 'equal keys', 'they differ');
}));

Then('the Secure Element of device {string} refuses a challenge made with its former subscription keys with status {string}', step(async function (label: string, sw: string) {
  const d = await this.device(label);
  if (!d.gba) throw new NoTransferSupport(`device ${label} declares no GBA subscription`);
  // A valid AUTN under the lab's original card keys, with a fresh SQN: only the card's new K can make it fail.
  const c = foreignChallenge(d.gba, fromHex('000000001000', 'SQN'));
  const a = await cardBootstrap(d.secureElement, c.rand, c.autn);
  expectTrue(a.kind === 'mac-failure' || a.kind === 'refused', `the Secure Element of device ${label} still authenticates with its former keys`, `status ${sw}`, a.kind);
  if (a.kind === 'refused') expectEqual(describeSw(a.sw), describeSw(parseInt(sw, 16)), 'the Secure Element status word');
  if (a.kind === 'mac-failure') expectEqual('9862', sw, 'the Secure Element status word');
}));
