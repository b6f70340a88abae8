/**
 * Steps for RPA (draft 3.2 viii, 6.4.2; GBA's Ua): the Application Server under test as a NAF, the card's RPA
 * keyset, and the Appendix B packets keyed from the bootstrap (docs/profile/apdus.md 10, http-api.md 9). Traffic
 * itself uses the Appendix B steps (device.steps.ts, application-server.steps.ts) with an RPA key index.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { randomBytes } from 'node:crypto';
import type { ObfWorld } from './support/world.ts';
import { bootstrapped, gbaOf, naf } from './gba.steps.ts';
import { installRpaKeyset, swHex } from '../harness/gba-terminal.ts';
import { expectTrue } from '../harness/expect.ts';
import { NonConformance } from '../harness/verdicts.ts';
import { errorCodeOf } from '../adapters/index.ts';
import { fromHex, toHex } from '../protocol/hex.ts';
import { rpaNafId } from '../protocol/obf-rpa.ts';

const NOT_APPLICABLE = 'skipped';

Given('the Application Server acts as NAF {string} for RPA', async function (this: ObfWorld, name: string) {
  const as = this.sut.applicationServer;
  if (!as.configureNaf) return NOT_APPLICABLE; // the product declares no RPA
  const entry = { nafId: toHex(rpaNafId(`${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.naf.obf.example`)), token: randomBytes(24).toString('base64url') };
  const a = await this.sut.authenticationServer.registerNaf(entry.nafId, entry.token);
  if (a.status !== 201) throw new NonConformance(`the Authentication Server refused to register NAF ${name}`, 'HTTP 201', `HTTP ${a.status} ${errorCodeOf(a)}`);
  const c = await as.configureNaf(entry.nafId, entry.token);
  if (!c.ok) throw new NonConformance(`the Application Server refused the NAF identity ${name}`, 'status OK', `${c.httpStatus} ${c.code}: ${c.message}`);
  this.gba.nafs.set(name, entry);
});

Given('the Secure Element of device {string} installs the RPA keyset of {string} at key index {int}', async function (this: ObfWorld, label: string, name: string, keyIndex: number) {
  const g = await gbaOf(this, label);
  if (!g) return NOT_APPLICABLE;
  const r = await installRpaKeyset(g.d.secureElement, fromHex(naf(this, name).nafId), keyIndex);
  if (r.sw !== 0x9000) throw new NonConformance(`the Secure Element of device ${label} refused INSTALL RPA KEYSET`, '9000', swHex(r.sw));
  // Anything the card answers here could only be key material: Ks_int_NAF must stay on the card (GBA_U).
  if (r.data.length) this.trace.addSecret(toHex(r.data));
  expectTrue(r.data.length === 0, `the Secure Element of device ${label} answered INSTALL RPA KEYSET with data`, 'no data', `${r.data.length} bytes`);
});

When(/^the Application Server sets up the RPA keys of device "([^"]+)" for "([^"]+)" at key index (\d+)(?: with the B-TID of device "([^"]+)")?$/, async function (this: ObfWorld, label: string, name: string, keyIndex: string, other?: string) {
  const as = this.sut.applicationServer;
  if (!as.establishRpaKeys) return NOT_APPLICABLE;
  const d = await this.device(label);
  this.asResult = await as.establishRpaKeys({ iccid: d.iccid, nafId: naf(this, name).nafId, btid: bootstrapped(this, other ?? label).btid, keyIndex: Number(keyIndex) });
});

Then('the Application Server accepts the RPA key set-up', function (this: ObfWorld) {
  const r = this.asResult;
  expectTrue(r?.ok === true, 'the Application Server refused to set up RPA keys', 'status OK', r && !r.ok ? `${r.httpStatus} ${r.code}: ${r.message}` : 'no answer');
});
