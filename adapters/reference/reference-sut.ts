/**
 * The bundled reference implementation as a system under test. The only harness module that imports
 * reference-impl/ (through its index): it starts the Application Server on a free loopback port, and makes a
 * personalised SE and a device for each scenario's devices, all reached through the adapter interfaces.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import { ReferenceDevice, ReferenceSecureElement, startApplicationServer, startAuthenticationServer, startResourceServer, DeviceSeError, type FaultName, type RunningServer } from '../../reference-impl/index.ts';
import { withLuhn } from '../../protocol/iccid.ts';
import { toHex } from '../../protocol/hex.ts';
import type { KeyAlgorithm, KeySet } from '../../protocol/obf-profile.ts';
import { HttpApplicationServer } from '../http/application-server-client.ts';
import { HttpAuthenticationServer, HttpResourceServer } from '../http/gba-servers-client.ts';
import { HarnessError } from '../../harness/verdicts.ts';
import { TracedSecureElement } from '../apdu/traced-secure-element.ts';
import { Trace } from '../trace.ts';
import type { DeviceAdapter, DeviceUnderTest, SystemUnderTest, SutDescription } from '../types.ts';

export interface ReferenceOptions {
  faults: FaultName[];
  /** Seed from which the test keys are derived, so a run is reproducible. */
  keySeed?: string;
  timeoutMs?: number;
}

/** Key index 1: AES-128; key index 2: triple DES two-key; other indexes are not personalised. */
const PERSONALISED: Record<number, { algorithm: KeyAlgorithm; length: number }> = { 1: { algorithm: 'aes', length: 16 }, 2: { algorithm: '3des-2key', length: 16 } };
export const DEFAULT_KEY_SEED = 'obf-conformance reference test keys';

/**
 * The test keys of the reference device with this ICCID, derived from the seed (HMAC-SHA-256 of
 * "<iccid>/<direction>/<index>/<kic|kid>"): a run is reproducible, and the project's key-hygiene check can
 * recompute every key a run used and search the run's output for it.
 */
export function referenceKeysFor(iccid: string, seed = DEFAULT_KEY_SEED): { downlink: Record<number, KeySet>; uplink: Record<number, KeySet>; gba: { k: Uint8Array; opc: Uint8Array } } {
  const derive = (purpose: string, length: number) => hmac(sha256, new TextEncoder().encode(seed), new TextEncoder().encode(`${iccid}/${purpose}`)).slice(0, length);
  const keySets = (direction: string): Record<number, KeySet> => {
    const out: Record<number, KeySet> = {};
    for (const [i, { algorithm, length }] of Object.entries(PERSONALISED)) {
      out[Number(i)] = { algorithm, kic: derive(`${direction}/${i}/kic`, length), kid: derive(`${direction}/${i}/kid`, length) };
    }
    return out;
  };
  return { downlink: keySets('down'), uplink: keySets('up'), gba: { k: derive('gba/k', 16), opc: derive('gba/opc', 16) } };
}

/** The realm of the reference Authentication Server (the B-TID domain) and the IMS domain of its subscribers. */
export const REFERENCE_REALM = 'bsf.obf-reference.example';
const IMPI_DOMAIN = 'ims.obf-reference.example';

interface Servers {
  as: RunningServer;
  rs: RunningServer;
  auth: RunningServer;
  tokens: { authAdmin: string; rsAdmin: string; rpr: string };
}

export class ReferenceSystem implements SystemUnderTest {
  private trace: Trace | null = null;
  private sequence = 0;
  readonly applicationServer: HttpApplicationServer;
  readonly authenticationServer: HttpAuthenticationServer;
  readonly resourceServer: HttpResourceServer;

  private constructor(private readonly servers: Servers, private readonly opts: ReferenceOptions, readonly description: SutDescription) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const trace = () => this.trace;
    this.applicationServer = new HttpApplicationServer({ baseUrl: servers.as.url, timeoutMs, trace, name: 'AS' });
    this.authenticationServer = new HttpAuthenticationServer({ baseUrl: servers.auth.url, adminToken: servers.tokens.authAdmin, realm: REFERENCE_REALM, clockHook: true, timeoutMs, trace });
    this.resourceServer = new HttpResourceServer({ baseUrl: servers.rs.url, adminToken: servers.tokens.rsAdmin, timeoutMs, trace });
  }

  static async start(opts: ReferenceOptions): Promise<ReferenceSystem> {
    const faults = new Set(opts.faults);
    // Fresh random credentials per run: they are secrets of this run only, and traces mask Bearer tokens.
    const token = () => randomBytes(24).toString('base64url');
    const tokens = { authAdmin: token(), rsAdmin: token(), rpr: token() };
    const as = await startApplicationServer({ faults });
    const rs = await startResourceServer({ adminToken: tokens.rsAdmin, rprToken: tokens.rpr, faults });
    const auth = await startAuthenticationServer({ realm: REFERENCE_REALM, adminToken: tokens.authAdmin, resourceServer: { url: rs.url, token: tokens.rpr }, lifetimeSeconds: 3600, faults });
    const fault = opts.faults.length ? opts.faults.join(',') : null;
    return new ReferenceSystem({ as, rs, auth, tokens }, opts, {
      kind: 'reference',
      name: 'OBF reference implementation',
      description: `bundled reference SE, device, Application Server (${as.url}), Authentication Server (${auth.url}) and Resource Server (${rs.url})${fault ? `, fault: ${fault}` : ''}`,
      fault,
    });
  }

  beginScenario(trace: Trace): void {
    this.trace = trace;
  }

  async provisionDevice(label: string): Promise<DeviceUnderTest> {
    this.sequence++;
    const iccid = withLuhn(`899100${String(Number(process.env.CUCUMBER_WORKER_ID ?? 0) % 10000).padStart(4, '0')}${String(this.sequence).padStart(9, '0')}`);
    const keys = referenceKeysFor(iccid, this.opts.keySeed);
    for (const set of [...Object.values(keys.downlink), ...Object.values(keys.uplink)]) {
      this.trace?.addSecret(toHex(set.kic));
      this.trace?.addSecret(toHex(set.kid));
    }
    this.trace?.addSecret(toHex(keys.gba.k));
    this.trace?.addSecret(toHex(keys.gba.opc));
    const impi = `${iccid}@${IMPI_DOMAIN}`;
    const sub = await this.authenticationServer.provisionSubscriber({ impi, iccid, k: toHex(keys.gba.k), opc: toHex(keys.gba.opc) });
    if (sub.status !== 201) throw new HarnessError(`the reference Authentication Server refused the subscription of device ${label}: HTTP ${sub.status}`);
    const faults = new Set(this.opts.faults);
    const card = new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink, gba: { k: keys.gba.k, opc: keys.gba.opc, impi } }, faults);
    const timeout = this.opts.timeoutMs ?? 5000;
    const cardTransport = async (apdu: Uint8Array) => card.transmit(apdu);
    const seForDevice = new TracedSecureElement(cardTransport, `device ${label} -> SE ${label}`, () => this.trace, timeout);
    const device = new ReferenceDevice(async (apdu) => {
      const r = await seForDevice.transmit(apdu);
      return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
    }, faults);
    return {
      label,
      iccid,
      keys: { downlink: keys.downlink, uplink: keys.uplink },
      gba: { impi, ...keys.gba },
      secureElement: new TracedSecureElement(cardTransport, `harness -> SE ${label}`, () => this.trace, timeout),
      device: this.deviceAdapter(device, label),
    };
  }

  private deviceAdapter(device: ReferenceDevice, label: string): DeviceAdapter {
    const link = `harness -> device ${label}`;
    return {
      deliverDownlink: async (packet) => {
        this.trace?.record('device', '>>', link, `downlink ${toHex(packet)}`);
        const outcome = await device.receiveDownlink(packet);
        this.trace?.record('device', '<<', link, `${outcome.accepted ? 'accepted' : 'rejected'} at ${outcome.stage}: ${outcome.reason}`);
        return outcome;
      },
      requestUplink: async (data, keyIndex, replayCheck) => {
        this.trace?.record('device', '>>', link, `uplink ${toHex(data)} key index ${keyIndex}${replayCheck ? ' ReplayCheck' : ''}`);
        try {
          const packet = await device.getEncryptedDataFromSE(data, keyIndex, replayCheck);
          this.trace?.record('device', '<<', link, `packet ${toHex(packet)}`);
          return { ok: true, packet };
        } catch (e) {
          if (!(e instanceof DeviceSeError)) throw e;
          this.trace?.record('device', '<<', link, e.message);
          return { ok: false, sw: e.sw.toString(16).toUpperCase().padStart(4, '0'), reason: e.message };
        }
      },
      readState: async () => {
        const s = device.snapshot();
        return { ip1: s.ip1, ip2: s.ip2, commandsExecuted: s.commandsExecuted };
      },
    };
  }

  async close(): Promise<void> {
    await this.servers.auth.close();
    await this.servers.rs.close();
    await this.servers.as.close();
  }
}

export { Trace };
