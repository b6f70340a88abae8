/**
 * The system under test a target file describes: each role it names is reached as a third-party product (PC/SC
 * card, serial device, HTTP server or a plug-in), every other role is a reference party started for the run.
 * Third-party cards and devices are opened once per device label and kept for the run (they hold state, like the
 * product they are); reference cards and devices are fresh per scenario, as in the all-reference system.
 */
import { randomInt } from 'node:crypto';
import { toHex, fromHex } from '../../protocol/hex.ts';
import { withLuhn } from '../../protocol/iccid.ts';
import type { KeySet } from '../../protocol/obf-profile.ts';
import { HarnessError, NotApplicable } from '../../harness/verdicts.ts';
import { HttpApplicationServer } from '../http/application-server-client.ts';
import { HttpAuthenticationServer, HttpResourceServer } from '../http/gba-servers-client.ts';
import { TracedSecureElement, type ApduTransport } from '../apdu/traced-secure-element.ts';
import { DEFAULT_KEY_SEED, IMPI_DOMAIN, ReferenceSystem, referenceKeysFor } from '../reference/reference-sut.ts';
import { referenceCard, referenceDeviceOn, startReferenceServerSet, type StartedReferenceServers } from '../reference/reference-parts.ts';
import type { Trace } from '../trace.ts';
import type { ApplicationServerAdapter, AuthenticationProvider, AuthenticationServerAdapter, DeviceAdapter, DeviceUnderTest, ProvisionOptions, ResourceServerAdapter, SecureElementAdapter, SutDescription, SystemUnderTest } from '../types.ts';
import type { DeviceParameters, TargetFile } from './target-file.ts';
import { openPlugin } from './plugins.ts';
import { openThirdPartyDevice, openThirdPartySecureElement, type Closable } from './hardware.ts';
import { tracedDevice } from './traced-device.ts';

export interface Timeouts { apduMs: number; httpMs: number; atMs: number; stepMs: number }

export function timeoutsOf(t: TargetFile | null, fallbackMs: number): Timeouts {
  const p = t?.parameters.timeouts ?? {};
  return { apduMs: p.apduMs ?? fallbackMs, httpMs: p.httpMs ?? fallbackMs, atMs: p.atMs ?? fallbackMs, stepMs: p.stepMs ?? Math.max(30_000, 6 * fallbackMs) };
}

interface OpenedDevice {
  se: SecureElementAdapter | null;
  /** The SE adapter records its own APDUs (the serial adapter's AT+CSIM): not wrapped again. */
  seTraced: boolean;
  device: DeviceAdapter | null;
  close(): Promise<void>;
}

export class TargetSystem implements SystemUnderTest {
  private trace: Trace | null = null;
  private sequence = 0;
  private readonly serialBase = randomInt(0, 900_000_000);
  private readonly opened = new Map<string, OpenedDevice>();
  private readonly subscribed = new Set<string>();
  private readonly pinnedCards = new Map<string, SecureElementAdapter | ApduTransport>();
  private readonly closers: Closable[] = [];

  private constructor(
    private readonly target: TargetFile,
    private readonly reference: StartedReferenceServers,
    /** With the Authentication and Resource Servers on the reference: the whole reference deployment (its providers, eUICCs). */
    private readonly gbaReference: ReferenceSystem | null,
    readonly providers: readonly AuthenticationProvider[],
    private readonly faults: string[],
    private readonly timeouts: Timeouts,
    readonly applicationServer: ApplicationServerAdapter,
    readonly authenticationServer: AuthenticationServerAdapter,
    readonly resourceServer: ResourceServerAdapter,
    readonly description: SutDescription,
  ) {}

  /** PIXIT NAF_Ids by Application Server name (parameters.nafIds). */
  get nafIds(): Record<string, string> {
    return this.target.parameters.nafIds;
  }

  static async open(target: TargetFile, opts: { faults: string[]; timeoutMs: number }): Promise<TargetSystem> {
    const tp = target.thirdParty;
    const timeouts = timeoutsOf(target, opts.timeoutMs);
    const roles = target.roles;
    let holder: TargetSystem | null = null;
    const trace = () => holder?.trace ?? null;
    // The reference's GBA side is its multi-provider deployment (6.3.1): reused whole when the file names neither server.
    const gbaReference = !tp.has('authenticationServer') && !tp.has('resourceServer') ? await ReferenceSystem.start({ faults: opts.faults as never, timeoutMs: timeouts.httpMs, serialBase: randomInt(0, 900_000_000) }) : null;
    const reference = await startReferenceServerSet({
      applicationServer: !tp.has('applicationServer') && !gbaReference,
      authenticationServer: !tp.has('authenticationServer') && !gbaReference,
      externalRs: roles.resourceServer?.baseUrl && roles.resourceServer.rprToken ? { url: roles.resourceServer.baseUrl, rprToken: roles.resourceServer.rprToken } : undefined,
    }, opts.faults);
    const closers: Closable[] = [];
    try {
      const plugin = async <T extends object>(role: 'applicationServer' | 'authenticationServer' | 'resourceServer', r: { resolved?: string; options?: unknown }): Promise<T> => {
        const a = await openPlugin<T>(r.resolved!, role, { options: r.options, timeoutMs: timeouts.httpMs, trace });
        if (a.close) closers.push({ close: () => a.close!() });
        return a;
      };
      const asRole = roles.applicationServer;
      const applicationServer: ApplicationServerAdapter = asRole?.plugin
        ? await plugin('applicationServer', asRole)
        : asRole?.baseUrl || !gbaReference
          ? new HttpApplicationServer({ baseUrl: asRole?.baseUrl ?? reference.applicationServer!, token: asRole?.token, adminToken: asRole?.baseUrl ? asRole.adminToken : reference.applicationServerAdminToken, timeoutMs: timeouts.httpMs, trace, name: 'AS' })
          : gbaReference.applicationServer;
      // RPA: the Application Server fetches the key over RPO from the Authentication Server it is configured with.
      // A third-party one cannot be pointed at the reference Authentication Server this run starts, so the RPA
      // scenarios are not applicable unless the file names the Authentication Server it uses too.
      if (tp.has('applicationServer') && !tp.has('authenticationServer')) {
        const why = () => {
          throw new NotApplicable('RPA needs the third-party Application Server to reach, over RPO, the Authentication Server the device bootstraps with; it cannot be pointed at the reference one this run starts: name its Authentication Server in the target file (roles.authenticationServer)');
        };
        Object.assign(applicationServer, { configureNaf: why, establishRpaKeys: why });
      }
      const authRole = roles.authenticationServer;
      const clockHook = authRole ? target.capabilities.clockHook === true : true;
      const authenticationServer: AuthenticationServerAdapter = gbaReference ? gbaReference.authenticationServer : authRole?.plugin
        ? await plugin('authenticationServer', authRole)
        : new HttpAuthenticationServer({
          baseUrl: authRole?.baseUrl ?? reference.authenticationServer!.url,
          adminToken: authRole?.adminToken ?? reference.authenticationServer!.adminToken,
          realm: authRole?.realm ?? reference.authenticationServer!.realm,
          clockHook, timeoutMs: timeouts.httpMs, trace,
        });
      const rsRole = roles.resourceServer;
      const resourceServer: ResourceServerAdapter = gbaReference ? gbaReference.resourceServer : rsRole?.plugin
        ? await plugin('resourceServer', rsRole)
        : new HttpResourceServer({ baseUrl: rsRole?.baseUrl ?? reference.resourceServer!.url, adminToken: rsRole?.adminToken ?? reference.resourceServer!.adminToken, timeoutMs: timeouts.httpMs, trace });
      // A third-party Authentication Server is one provider; scenarios naming others are not applicable.
      const providers: readonly AuthenticationProvider[] = gbaReference
        ? gbaReference.providers
        : [{ name: target.sut.vendor, kind: 'telecom operator', authenticationServer, resourceServer, url: authRole?.baseUrl ?? reference.authenticationServer?.url ?? '' }];
      holder = new TargetSystem(target, reference, gbaReference, providers, opts.faults, timeouts, applicationServer, authenticationServer, resourceServer, describeTarget(target, opts.faults, gbaReference ? undefined : reference));
      holder.closers.push(...closers);
      return holder;
    } catch (e) {
      for (const c of closers) await c.close().catch(() => undefined);
      await reference.close();
      await gbaReference?.close();
      throw e;
    }
  }

  beginScenario(trace: Trace): void {
    this.trace = trace;
    this.gbaReference?.beginScenario(trace);
  }

  async provisionDevice(label: string, opts: ProvisionOptions = {}): Promise<DeviceUnderTest> {
    const tp = this.target.thirdParty;
    const p = this.target.parameters.devices[label];
    // Reference card and device the file says nothing about: the reference deployment makes them (eUICCs included).
    if (this.gbaReference && !p && !tp.has('secureElement') && !tp.has('device')) return this.gbaReference.provisionDevice(label, opts);
    if (opts.subscriptions?.length) throw new NotApplicable(`the scenario needs device ${label} as an eUICC with profiles of ${opts.subscriptions.join(', ')}, which this target does not provide`);
    // A third-party Authentication Server that lets the harness provision subscriptions needs no described device.
    const provisions = this.target.roles.authenticationServer?.provisionSubscribers === true;
    const thirdPartyParts = (['secureElement', 'device', 'authenticationServer'] as const).filter((r) => tp.has(r) && !(r === 'authenticationServer' && provisions));
    if (!p && thirdPartyParts.length) {
      throw new NotApplicable(`the scenario needs device ${label}, and the target file describes no device ${label} (parameters.devices.${label}) for the third-party ${thirdPartyParts.join(', ')}`);
    }
    const iccid = p?.iccid ?? this.nextIccid();
    const { keys, gba } = keysOf(iccid, p);
    const traceOf = () => this.trace;
    for (const set of [...Object.values(keys.downlink), ...Object.values(keys.uplink)]) {
      this.trace?.addSecret(toHex(set.kic));
      this.trace?.addSecret(toHex(set.kid));
    }
    if (gba) {
      this.trace?.addSecret(toHex(gba.k));
      this.trace?.addSecret(toHex(gba.opc));
      await this.provideSubscription(label, iccid, gba);
    }
    let se: SecureElementAdapter | ApduTransport;
    let device: DeviceAdapter;
    let seTraced = false;
    if (tp.has('device') || tp.has('secureElement')) {
      const opened = await this.openThirdParty(label, p!);
      if (opened.device) {
        // A third-party device keeps its state across scenarios; the scenarios count commands from their start.
        const baseline = (await opened.device.readState()).commandsExecuted;
        device = tracedDevice(countingFrom(opened.device, baseline), label, traceOf);
        se = opened.se ?? noDirectSe(label);
        seTraced = opened.seTraced;
      } else {
        se = opened.se!;
        device = referenceDeviceOn(se, label, traceOf, this.timeouts.apduMs, this.faults);
      }
    } else {
      // A device the file pins (its ICCID is known to the servers) keeps one simulated card for the run, as a real
      // card keeps its counters: a new card per scenario would start its counters over against the same server.
      const pinned = p?.iccid ? this.pinnedCards.get(label) : undefined;
      se = pinned ?? referenceCard({ iccid, downlink: keys.downlink, uplink: keys.uplink, gba }, this.faults);
      if (p?.iccid) this.pinnedCards.set(label, se);
      device = referenceDeviceOn(se, label, traceOf, this.timeouts.apduMs, this.faults);
    }
    const transport: ApduTransport = typeof se === 'function' ? se : adapterTransport(se);
    return {
      label,
      iccid,
      keys,
      ...(gba ? { gba } : {}),
      secureElement: seTraced && typeof se !== 'function' ? se : new TracedSecureElement(transport, `harness -> SE ${label}`, traceOf, this.timeouts.apduMs),
      device,
    };
  }

  /**
   * A fresh ICCID for a device the harness simulates. The serial starts at a random point per run: a third-party
   * server that keeps its state between runs (as it should: replay counters, docs/target-file.md 6) never sees a
   * simulated card of an earlier run again, whose counters would start over.
   */
  private nextIccid(): string {
    this.sequence++;
    return withLuhn(`899100${String(Number(process.env.CUCUMBER_WORKER_ID ?? 0) % 10000).padStart(4, '0')}${String(this.serialBase + this.sequence).padStart(9, '0')}`);
  }

  /**
   * The Authentication Server must know the card's subscription: the reference one is told here, and so is a
   * third-party one that declares provisionSubscribers (the reference's set-up API, docs/profile/gba-api.md);
   * any other third-party one is provisioned by the lab.
   */
  private async provideSubscription(label: string, iccid: string, gba: { impi: string; k: Uint8Array; opc: Uint8Array }): Promise<void> {
    const authRole = this.target.roles.authenticationServer;
    const thirdParty = this.target.thirdParty.has('authenticationServer');
    if ((thirdParty && authRole?.provisionSubscribers !== true) || this.subscribed.has(gba.impi)) return;
    const auth = this.authenticationServer as HttpAuthenticationServer;
    const sub = await auth.provisionSubscriber({ impi: gba.impi, iccid, k: toHex(gba.k), opc: toHex(gba.opc) });
    if (sub.status !== 201 && sub.status !== 409) throw new HarnessError(`the ${thirdParty ? '' : 'reference '}Authentication Server refused the subscription of device ${label}: HTTP ${sub.status}${thirdParty ? ' (roles.authenticationServer.provisionSubscribers is true)' : ''}`);
    this.subscribed.add(gba.impi);
  }

  private async openThirdParty(label: string, p: DeviceParameters): Promise<OpenedDevice> {
    const seen = this.opened.get(label);
    if (seen) return seen;
    const roles = this.target.roles;
    const traceOf = () => this.trace;
    let opened: OpenedDevice;
    if (roles.device) {
      const dev = roles.device.plugin
        ? await openPlugin<DeviceAdapter & { secureElement?: SecureElementAdapter }>(roles.device.resolved!, 'device', { options: roles.device.options, timeoutMs: this.timeouts.atMs, trace: traceOf })
        : await openThirdPartyDevice({ ...roles.device.serial!, path: p.serialPath ?? roles.device.serial!.path }, this.timeouts.atMs, traceOf, label);
      opened = { device: dev, se: dev.secureElement ?? null, seTraced: !roles.device.plugin, close: async () => (dev as Partial<Closable>).close?.() };
    } else {
      const r = roles.secureElement!;
      const card = r.plugin
        ? await openPlugin<SecureElementAdapter>(r.resolved!, 'secureElement', { options: r.options, timeoutMs: this.timeouts.apduMs, trace: traceOf })
        : await openThirdPartySecureElement(p.reader ?? r.reader!, this.timeouts.apduMs, p.reader ? undefined : r.atr);
      opened = { device: null, se: card, seTraced: false, close: async () => (card as Partial<Closable>).close?.() };
    }
    this.opened.set(label, opened);
    return opened;
  }

  async close(): Promise<void> {
    for (const o of this.opened.values()) await o.close().catch(() => undefined);
    for (const c of this.closers) await c.close().catch(() => undefined);
    await this.reference.close();
    await this.gbaReference?.close();
  }
}

/** The device's keys (PIXIT) as keysets, and its GBA subscription when the file gives one (or derives it from keySeed). */
function keysOf(iccid: string, p: DeviceParameters | undefined): { keys: DeviceUnderTest['keys']; gba?: { impi: string; k: Uint8Array; opc: Uint8Array } } {
  if (p?.keys) {
    const sets = (m: Record<string, { algorithm: KeySet['algorithm']; kic: string; kid: string }>) =>
      Object.fromEntries(Object.entries(m).map(([i, s]) => [Number(i), { algorithm: s.algorithm, kic: fromHex(s.kic), kid: fromHex(s.kid) }])) as Record<number, KeySet>;
    const gba = p.gba ? { impi: p.gba.impi, k: fromHex(p.gba.k), opc: fromHex(p.gba.opc) } : undefined;
    return { keys: { downlink: sets(p.keys.downlink), uplink: sets(p.keys.uplink) }, gba };
  }
  const derived = referenceKeysFor(iccid, p?.keySeed ?? DEFAULT_KEY_SEED);
  const gba = p?.gba ? { impi: p.gba.impi, k: fromHex(p.gba.k), opc: fromHex(p.gba.opc) } : { impi: `${iccid}@${IMPI_DOMAIN}`, ...derived.gba };
  return { keys: { downlink: derived.downlink, uplink: derived.uplink }, gba };
}

function countingFrom(device: DeviceAdapter, baseline: number): DeviceAdapter {
  return {
    deliverDownlink: (p) => device.deliverDownlink(p),
    requestUplink: (d, k, r) => device.requestUplink(d, k, r),
    readState: async () => {
      const s = await device.readState();
      return { ...s, commandsExecuted: s.commandsExecuted - baseline };
    },
  };
}

function adapterTransport(se: SecureElementAdapter): ApduTransport {
  return async (apdu) => {
    const r = await se.transmit(apdu);
    return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
  };
}

function noDirectSe(label: string): ApduTransport {
  return async () => {
    throw new NotApplicable(`the device plug-in of device ${label} gives the harness no direct access to its Secure Element`);
  };
}

/** The system under test in one line per role, for the reports (`ref` adds the reference servers' URLs once started). */
export function describeTarget(t: TargetFile, faults: string[], ref?: StartedReferenceServers): SutDescription {
  const r = t.roles;
  const parts = [
    `Secure Element: ${r.secureElement?.reader ? `PC/SC reader "${r.secureElement.reader}"` : r.secureElement?.plugin ? `plug-in ${r.secureElement.plugin}` : r.device ? 'in the device (AT+CSIM)' : 'reference'}`,
    `device: ${r.device?.serial ? `serial ${r.device.serial.path}` : r.device?.plugin ? `plug-in ${r.device.plugin}` : 'reference'}`,
    `Application Server: ${r.applicationServer?.baseUrl ?? (r.applicationServer?.plugin ? `plug-in ${r.applicationServer.plugin}` : `reference${ref ? ` (${ref.applicationServer})` : ''}`)}`,
    `Authentication Server: ${r.authenticationServer?.baseUrl ?? (r.authenticationServer?.plugin ? `plug-in ${r.authenticationServer.plugin}` : `reference${ref ? ` (${ref.authenticationServer?.url})` : ''}`)}`,
    `Resource Server: ${r.resourceServer?.baseUrl ?? (r.resourceServer?.plugin ? `plug-in ${r.resourceServer.plugin}` : `reference${ref ? ` (${ref.resourceServer?.url})` : ''}`)}`,
  ];
  const fault = faults.length ? faults.join(',') : null;
  return {
    kind: 'third-party',
    name: `${t.sut.vendor} ${t.sut.product} ${t.sut.version}`,
    description: `${t.sut.description ? `${t.sut.description}; ` : ''}${parts.join('; ')}${fault ? `; reference fault: ${fault}` : ''}`,
    fault,
  };
}
