/**
 * Scenario state. Steps stay a few lines: the work is here and in harness/ and adapters/. Every SUT exchange goes
 * through the adapters, which record it in `trace` (attached to the scenario as evidence).
 */
import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import { Trace, type AsResult, type ApduResult, type DeviceUnderTest, type DownlinkReport, type SystemUnderTest } from '../../adapters/index.ts';
import { HarnessError, NonConformance } from '../../harness/verdicts.ts';
import { toHex } from '../../protocol/hex.ts';
import type { KeySet, PropertyAssessment } from '../../protocol/obf-profile.ts';
import { systemUnderTest, type ObfParameters } from './system.ts';
import type { BootstrapOutcome, Challenge } from '../../harness/gba-terminal.ts';
import type { GbaAnswer } from '../../protocol/ts-31-102-gba.ts';
import type { HttpAnswer } from '../../adapters/index.ts';
import type { NotificationSink } from '../../harness/notification-sink.ts';
import type { Sealed } from '../../harness/sealed-data.ts';

/** A secured packet seen in the scenario, with what the harness knows about it. */
export interface SeenPacket {
  bytes: Uint8Array;
  /** The plaintext that was secured. */
  text: string;
  device: string;
  replayCheck: boolean;
}

export class ObfWorld extends World<ObfParameters> {
  readonly trace = new Trace();
  readonly devices = new Map<string, DeviceUnderTest>();
  /** Downlink commands made in this scenario, in order; `command` is the one in flight (an attacker may change it). */
  readonly commands: SeenPacket[] = [];
  command: Uint8Array | null = null;
  /** Uplink packets made in this scenario, in order; `packet` is the one in flight. */
  readonly packets: SeenPacket[] = [];
  packet: Uint8Array | null = null;
  asResult: AsResult<Record<string, unknown>> | null = null;
  seResult: ApduResult | null = null;
  downlink: DownlinkReport | null = null;
  iccidRead: string | null = null;
  assessment: PropertyAssessment[] | null = null;
  /** GBA: bootstraps per device, Application Servers (NAFs) by name, the last RPO answer and card answer. */
  readonly gba = {
    bootstraps: new Map<string, { outcome: BootstrapOutcome; challenges: Challenge[] }>(),
    nafs: new Map<string, { nafId: string; token: string }>(),
    rpo: null as HttpAnswer | null,
    /** Ks_NAF handed to each Application Server over RPO, by name. */
    keys: new Map<string, string>(),
    /** Ks_int_NAF handed to each Application Server over RPO, by name (upper-case hex). */
    intKeys: new Map<string, string>(),
    card: null as GbaAnswer | null,
  };
  /**
   * Provider transfer (6.4.3 a): signed statements by name, the card's last TRANSFER PROVIDER status word, the last
   * answer of a transfer request, and per "<server>/<device>" the IMPI a server gave the device and its bootstrap.
   */
  readonly transfer = {
    statements: new Map<string, Uint8Array>(),
    sw: null as number | null,
    answer: null as HttpAnswer | null,
    impis: new Map<string, string>(),
    bootstraps: new Map<string, BootstrapOutcome>(),
    /** The key an Application Server got in the last RPO request, and from which server. */
    key: null as { server: string; name: string; ksNaf: string } | null,
  };

  /** Several providers (6.3.1 a-h): who each device last bootstrapped with, notifications, sealed data, moved rights. */
  readonly providers = {
    bootstrappedWith: new Map<string, string>(),
    sink: null as NotificationSink | null,
    sealed: new Map<string, { sealed: Sealed; text: string }>(),
    moved: null as HttpAnswer | null,
  };

  constructor(options: IWorldOptions<ObfParameters>) {
    super(options);
  }

  get sut(): SystemUnderTest {
    return systemUnderTest();
  }

  /** The device labelled `label`, provisioned on first mention. */
  async device(label: string): Promise<DeviceUnderTest> {
    let d = this.devices.get(label);
    if (!d) {
      d = await this.sut.provisionDevice(label);
      this.devices.set(label, d);
      this.trace.note(`device ${label}: ICCID ${d.iccid}`);
    }
    return d;
  }

  known(label: string): DeviceUnderTest {
    const d = this.devices.get(label);
    if (!d) throw new HarnessError(`scenario mentions device "${label}" before provisioning it`);
    return d;
  }

  async importKeys(label: string, which: { downlink: boolean; uplink: boolean }): Promise<void> {
    const d = await this.device(label);
    const imports: Array<[KeySet, number, 'encrypt' | 'decrypt']> = [];
    if (which.downlink) for (const [i, k] of Object.entries(d.keys.downlink)) imports.push([k, Number(i), 'encrypt']);
    if (which.uplink) for (const [i, k] of Object.entries(d.keys.uplink)) imports.push([k, Number(i), 'decrypt']);
    for (const [k, keyIndex, keyFunction] of imports) {
      const r = await this.sut.applicationServer.importKey({ iccid: d.iccid, keyIndex, keyFunction, algorithm: k.algorithm, kic: toHex(k.kic), kid: toHex(k.kid) });
      if (!r.ok) throw new NonConformance(`importKey of the ${keyFunction} keyset at index ${keyIndex} for device ${label} was refused`, 'status OK', `${r.httpStatus} ${r.code}: ${r.message}`);
    }
  }

  async encryptCommand(text: string, label: string, keyIndex: number, replayCheck: boolean): Promise<void> {
    const d = await this.device(label);
    const r = await this.sut.applicationServer.encryptData({ iccid: d.iccid, keyIndex, data: Buffer.from(text, 'latin1').toString('hex'), replayCheck });
    if (!r.ok) throw new NonConformance(`encryptData for device ${label} was refused`, 'a packet', `${r.httpStatus} ${r.code}: ${r.message}`);
    const bytes = Uint8Array.from(Buffer.from(r.value.packet, 'hex'));
    this.commands.push({ bytes, text, device: label, replayCheck });
    this.command = bytes;
  }

  async sendUplink(label: string, text: string, keyIndex: number, replayCheck: boolean): Promise<void> {
    const d = await this.device(label);
    const r = await d.device.requestUplink(new TextEncoder().encode(text), keyIndex, replayCheck);
    if (!r.ok) throw new NonConformance(`device ${label} could not have its data secured by the SE`, 'a secured packet', r.reason);
    this.packets.push({ bytes: r.packet, text, device: label, replayCheck });
    this.packet = r.packet;
  }

  async decryptAtServer(packet: Uint8Array, iccid: string, keyIndex: number): Promise<void> {
    this.asResult = await this.sut.applicationServer.decryptData({ iccid, keyIndex, packet: toHex(packet) });
  }

  async deliverDownlink(label: string, packet: Uint8Array): Promise<void> {
    this.downlink = await (await this.device(label)).device.deliverDownlink(packet);
  }

  requireCommand(): Uint8Array {
    if (!this.command) throw new HarnessError('the scenario has no command in flight');
    return this.command;
  }

  requirePacket(): Uint8Array {
    if (!this.packet) throw new HarnessError('the scenario has no packet in flight');
    return this.packet;
  }
}

setWorldConstructor(ObfWorld);
