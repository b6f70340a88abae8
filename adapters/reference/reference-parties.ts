/**
 * `obf-conformance serve`: reference parties on their own, for a vendor developing against them and for
 * independent tools: the servers on loopback ports, the SE as a virtual card in vpcd's reader (pcscd started
 * when needed), the device on one end of a pty pair (the other end printed for a terminal or the harness).
 * Cards and the device are personalised with the reference test keys of their ICCID (keySeed in a target file).
 */
import { randomBytes } from 'node:crypto';
import { startApplicationServer, startAuthenticationServer, startResourceServer, startSerialDevice, startVirtualCard, type FaultName } from '../../reference-impl/index.ts';
import { ensurePcscd, holdVpcdReader } from '../pcsc/pcscd.ts';
import { openPtyPair } from '../serial/pty-pair.ts';
import { DEFAULT_KEY_SEED, REFERENCE_REALM } from './reference-sut.ts';

export type ServeRole = 'as' | 'auth' | 'rs' | 'se' | 'device';

export interface ServedParty {
  role: ServeRole;
  name: string;
  /** Where it listens: a URL, a reader name, a tty path. */
  where: string;
  details: string[];
}

export interface ServeOptions {
  roles: ServeRole[];
  /** First server port (AS; Authentication Server +1; Resource Server +2); 0 = free ports. */
  port: number;
  faults: string[];
  iccid: string;
  /** vpcd reader 0 or 1 for the card. */
  readerIndex: number;
}

export async function serveReferenceParties(opts: ServeOptions): Promise<{ parties: ServedParty[]; keySeed: string; close(): Promise<void> }> {
  const faults = new Set(opts.faults as FaultName[]);
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  const parties: ServedParty[] = [];
  const at = (k: number) => (opts.port === 0 ? 0 : opts.port + k);
  const token = () => randomBytes(24).toString('base64url');
  try {
    // The GBA servers first: a served Application Server reaches the served Authentication Server over RPO (RPA).
    let authUrl: string | undefined;
    if (opts.roles.includes('rs') || opts.roles.includes('auth')) {
      const rsAdmin = token();
      const rpr = token();
      const rs = await startResourceServer({ port: at(2), adminToken: rsAdmin, rprToken: rpr, faults });
      closers.push(() => rs.close());
      parties.push({ role: 'rs', name: 'Resource Server', where: rs.url, details: [`admin token: ${rsAdmin}`, `RPR token: ${rpr}`] });
      if (opts.roles.includes('auth')) {
        const admin = token();
        const auth = await startAuthenticationServer({ port: at(1), realm: REFERENCE_REALM, adminToken: admin, resourceServer: { url: rs.url, token: rpr }, lifetimeSeconds: 3600, faults });
        closers.push(() => auth.close());
        authUrl = auth.url;
        parties.push({ role: 'auth', name: 'Authentication Server', where: auth.url, details: [`admin token: ${admin}`, `realm: ${REFERENCE_REALM}`] });
      }
    }
    if (opts.roles.includes('as')) {
      const asAdmin = token();
      const as = await startApplicationServer({ port: at(0), faults, adminToken: asAdmin, ...(authUrl ? { authenticationServerUrl: authUrl } : {}) });
      closers.push(() => as.close());
      parties.push({ role: 'as', name: 'Application Server', where: as.url, details: [`admin token: ${asAdmin}`, `try: curl -s ${as.url}/health`] });
    }
    if (opts.roles.includes('se')) {
      const { cardHost, started } = await ensurePcscd();
      const held = await holdVpcdReader(opts.readerIndex, 5000);
      closers.push(() => held.release());
      const card = startVirtualCard({ iccid: opts.iccid, faults: [...faults], vpcdPort: held.port, host: cardHost });
      closers.push(() => card.close());
      await card.connected(10_000);
      parties.push({
        role: 'se', name: 'Secure Element', where: `PC/SC reader "${held.reader}"`,
        details: [`virtual card on vpcd port ${held.port}, ICCID ${opts.iccid}${started ? ' (pcscd started for it)' : ''}`, `try: opensc-tool -r '${held.reader}' -s 00A4040005F04F424601`],
      });
    }
    if (opts.roles.includes('device')) {
      const pty = await openPtyPair();
      closers.push(() => pty.close());
      const device = await startSerialDevice({ ptyPath: pty.deviceEnd, iccid: opts.iccid, faults: [...faults] });
      closers.push(() => device.close());
      parties.push({
        role: 'device', name: 'device', where: `serial ${pty.harnessEnd}`,
        details: [`AT commands (docs/profile/at-commands.md); its own card, ICCID ${opts.iccid}`, `try: socat - ${pty.harnessEnd},raw,echo=0 and type AT`],
      });
    }
    // Listed in the usual order whatever order they started in.
    const order: ServeRole[] = ['as', 'rs', 'auth', 'se', 'device'];
    parties.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
    return { parties, keySeed: DEFAULT_KEY_SEED, close };
  } catch (e) {
    await close();
    throw e;
  }
}
