/**
 * Steps for GBA compatibility (draft clause 6 keeps GBA's architecture): what a bootstrap leaves on the card
 * (EF_GBABP, TS 31.102 4.2.79) and the NAF keys checked against TS 33.220 Annex B computed by the harness itself
 * from the test card's K and OPc (a PIXIT) and the RAND of the challenge, independently of the servers.
 */
import { Then } from '@cucumber/cucumber';
import type { ObfWorld } from './support/world.ts';
import { gbaOf, naf } from './gba.steps.ts';
import { cardNafKey, installRpaKeyset, readGbabp } from '../harness/gba-terminal.ts';
import { expectEqual, expectTrue } from '../harness/expect.ts';
import { HarnessError, NonConformance } from '../harness/verdicts.ts';
import { concatBytes, fromHex, toHex } from '../protocol/hex.ts';
import { milenage } from '../protocol/milenage.ts';
import { deriveNafKey, nafId, type NafKeyVariant } from '../protocol/ts-33-220.ts';
import { RPA_KEY_INDEX_MAX } from '../protocol/obf-rpa.ts';

const NOT_APPLICABLE = 'skipped';

/** The last bootstrap of a device in this scenario, with the challenge the card accepted. */
function lastBootstrap(world: ObfWorld, label: string) {
  const b = world.gba.bootstraps.get(label);
  if (b?.outcome.kind !== 'bootstrapped') throw new HarnessError(`device ${label} has not bootstrapped in this scenario`);
  return { btid: b.outcome.btid, lifetime: b.outcome.lifetime, rand: b.challenges[b.challenges.length - 1].rand };
}

/** TS 33.220 Annex B from the test card's keys: Ks = CK || IK of MILENAGE for RAND (CK and IK do not depend on SQN). */
function expectedNafKey(world: ObfWorld, label: string, nafIdBytes: Uint8Array, variant: NafKeyVariant): string {
  const d = world.known(label);
  if (!d.gba) throw new HarnessError(`device ${label} has no GBA subscription`);
  const { rand } = lastBootstrap(world, label);
  const m = milenage(d.gba.k, d.gba.opc, rand, new Uint8Array(6), new Uint8Array(2));
  const key = toHex(deriveNafKey(concatBytes(m.ck, m.ik), rand, d.gba.impi, nafIdBytes, variant));
  world.trace.addSecret(key);
  return key;
}

Then('EF_GBABP of device {string} holds the RAND of its last challenge, its B-TID and key lifetime', async function (this: ObfWorld, label: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const b = lastBootstrap(this, label);
  const file = await readGbabp(g.d.secureElement);
  expectEqual(toHex(file.rand), toHex(b.rand), 'RAND in EF_GBABP (the card stores it at the bootstrap, TS 33.220 G.1)');
  expectEqual(file.bTid, b.btid, 'B-TID in EF_GBABP');
  expectEqual(file.keyLifetime, b.lifetime, 'key lifetime in EF_GBABP');
});

Then('the B-TID of device {string} is base64 of the RAND of its last challenge at the realm', function (this: ObfWorld, label: string) {
  const b = lastBootstrap(this, label);
  expectEqual(b.btid, `${Buffer.from(b.rand).toString('base64')}@${this.sut.authenticationServer.realm}`, 'B-TID (TS 33.220 4.5.2: base64(RAND)@BSF domain)');
});

Then('for the NAF FQDN {string} with the Ua protocols {string} and {string} the Secure Element of device {string} answers the Ks_ext_NAF of TS 33.220 Annex B, one per NAF_Id', async function (this: ObfWorld, fqdn: string, ua1: string, ua2: string, label: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const seen: string[] = [];
  for (const ua of [ua1, ua2]) {
    const id = nafId(fqdn, fromHex(ua, 'Ua security protocol identifier'));
    const onCard = toHex(await cardNafKey(g.d.secureElement, id, g.gba.impi));
    this.trace.addSecret(onCard);
    expectTrue(onCard === expectedNafKey(this, label, id, 'gba-me'), `the card's Ks_ext_NAF for NAF_Id ${toHex(id)} is not KDF(Ks, "gba-me", RAND, IMPI, NAF_Id)`, 'the TS 33.220 Annex B key', 'another key');
    seen.push(onCard);
  }
  expectTrue(seen[0] !== seen[1], 'one FQDN with two Ua protocols gave the same key: the Ua protocol identifier is not part of the NAF_Id', 'two keys', 'one key');
});

Then('the Ks_int_NAF given to {string} for device {string} is KDF\\(Ks, "gba-u", RAND, IMPI, NAF_Id) and differs from its Ks_ext_NAF', function (this: ObfWorld, name: string, label: string) {
  const intKey = this.gba.intKeys.get(name);
  if (!intKey) throw new NonConformance(`the RPO answer to ${name} has no Ks_int_NAF`, 'ksIntNaf (32 bytes)', 'none');
  expectTrue(/^[0-9A-F]{64}$/.test(intKey), 'Ks_int_NAF is not 32 bytes', '64 hex digits', `${intKey.length} characters`);
  const id = fromHex(naf(this, name).nafId);
  expectTrue(intKey === expectedNafKey(this, label, id, 'gba-u'), 'the Authentication Server\'s Ks_int_NAF is not KDF(Ks, "gba-u", RAND, IMPI, NAF_Id) (TS 33.220 5.3.2)', 'the GBA_U key', 'another key');
  expectTrue(intKey !== this.gba.keys.get(name), 'the Authentication Server gave the same key as Ks_ext_NAF and Ks_int_NAF', 'two keys', 'one key');
});

Then('no answer of the Secure Element of device {string} to INSTALL RPA KEYSET or NAF derivation for {string} contains its Ks_int_NAF', async function (this: ObfWorld, label: string, name: string) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const intKey = this.gba.intKeys.get(name);
  if (!intKey) throw new HarnessError(`no Ks_int_NAF was given to ${name} in this scenario`);
  const id = fromHex(naf(this, name).nafId);
  const install = await installRpaKeyset(g.d.secureElement, id, RPA_KEY_INDEX_MAX);
  const derived = await cardNafKey(g.d.secureElement, id, g.gba.impi);
  for (const [what, data] of [['INSTALL RPA KEYSET', install.data], ['NAF derivation', derived]] as const) {
    const hex = toHex(data);
    if (hex.length) this.trace.addSecret(hex);
    expectTrue(!hex.includes(intKey), `the Secure Element answered ${what} with Ks_int_NAF: it left the card`, 'Ks_int_NAF kept on the card (GBA_U)', `${data.length} bytes containing it`);
  }
});
