/**
 * The reference implementation reached through real transports, as third-party hardware would be: each device's
 * card a virtual card on vsmartcard's vpcd, reached through pcscd with the PC/SC adapter (by the harness and by
 * the device), and/or each device on a pty pair driven with AT commands by the serial adapter (its SE then through
 * AT+CSIM unless the card is on PC/SC). Everything else (servers, keys, subscriptions) is the ReferenceSystem's.
 * `npm test` runs the whole suite this way once (scripts/test-all.ts), so the SE and device features pass over
 * PC/SC and a pty, not only in-process.
 */
import { ReferenceDevice, ReferenceSecureElement, startSerialDevice, startVirtualCard, type FaultName, type RunningSerialDevice, type VirtualCard } from '../../reference-impl/index.ts';
import { HarnessError } from '../../harness/verdicts.ts';
import { ensurePcscd, holdVpcdReader } from '../pcsc/pcscd.ts';
import { openPcscSecureElement } from '../pcsc/pcsc-secure-element.ts';
import { openPtyPair, type PtyPair } from '../serial/pty-pair.ts';
import { openSerialDevice, type SerialDevice } from '../serial/serial-device.ts';
import type { Trace } from '../trace.ts';
import type { DeviceUnderTest, ProvisionOptions, SystemUnderTest } from '../types.ts';
import { referenceDeviceAdapter, type ReferenceSystem } from './reference-sut.ts';

export interface ReferenceTransports {
  secureElement: 'in-process' | 'pcsc';
  device: 'in-process' | 'serial';
}

/** Parse "pcsc", "serial", "pcsc,serial" (the OBF_REFERENCE_TRANSPORT variable). */
export function parseReferenceTransports(text: string): ReferenceTransports {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = parts.filter((p) => p !== 'pcsc' && p !== 'serial');
  if (bad.length) throw new HarnessError(`unknown reference transport '${bad[0]}' (pcsc, serial)`);
  return { secureElement: parts.includes('pcsc') ? 'pcsc' : 'in-process', device: parts.includes('serial') ? 'serial' : 'in-process' };
}

interface Slot {
  reader: string;
  card: VirtualCard;
  release(): void;
}

export class ReferenceOverTransports implements SystemUnderTest {
  private trace: Trace | null = null;
  private slotsUsed = 0;
  /** What this scenario opened: closed when the next one begins. */
  private open: Array<{ close(): Promise<void> }> = [];
  private cleanup: Promise<void> = Promise.resolve();

  private constructor(
    private readonly inner: SystemUnderTest,
    private readonly transports: ReferenceTransports,
    private readonly slots: Slot[],
    private readonly opts: { faults: FaultName[]; timeoutMs: number },
  ) {}

  static async start(inner: SystemUnderTest, transports: ReferenceTransports, opts: { faults: FaultName[]; timeoutMs: number }): Promise<ReferenceOverTransports> {
    const slots: Slot[] = [];
    try {
      if (transports.secureElement === 'pcsc') {
        const { cardHost } = await ensurePcscd();
        // One card per vpcd reader for the whole run, re-personalised per device, as a lab swaps test cards:
        // pcscd notices an inserted card only when it polls, a re-personalisation costs nothing.
        for (const i of [0, 1]) {
          // Within the 30 s the suite gives its BeforeAll: another run holding the reader gets a clear error, not a timeout.
          const held = await holdVpcdReader(i, 25_000);
          const card = startVirtualCard({ vpcdPort: held.port, host: cardHost });
          slots.push({ reader: held.reader, card, release: held.release });
          await card.connected(10_000);
        }
      }
    } catch (e) {
      for (const s of slots) {
        await s.card.close();
        s.release();
      }
      await inner.close();
      throw new HarnessError(`the reference over PC/SC could not start: ${(e as Error).message}`);
    }
    return new ReferenceOverTransports(inner, transports, slots, opts);
  }

  get providers() {
    return this.inner.providers;
  }

  get description() {
    const d = this.inner.description;
    const how = [this.transports.secureElement === 'pcsc' ? 'each SE a virtual card reached through pcscd + vpcd (PC/SC)' : '', this.transports.device === 'serial' ? 'each device on a pty, driven with AT commands' : ''].filter(Boolean).join('; ');
    return { ...d, description: `${d.description}; ${how}` };
  }

  get applicationServer() {
    return this.inner.applicationServer;
  }

  get authenticationServer() {
    return this.inner.authenticationServer;
  }

  get resourceServer() {
    return this.inner.resourceServer;
  }

  beginScenario(trace: Trace): void {
    this.trace = trace;
    this.inner.beginScenario(trace);
    this.releaseScenario();
  }

  private releaseScenario(): void {
    this.slotsUsed = 0;
    const open = this.open.splice(0);
    this.cleanup = this.cleanup.then(async () => {
      for (const o of open.reverse()) await o.close().catch(() => undefined);
    });
  }

  async provisionDevice(label: string, opts: ProvisionOptions = {}): Promise<DeviceUnderTest> {
    await this.cleanup;
    // eUICC devices (6.3.1, several profiles) stay in-process: a virtual card here carries one card application.
    if (opts.subscriptions?.length) return this.inner.provisionDevice(label, opts);
    const dut = await this.inner.provisionDevice(label);
    const faults = new Set(this.opts.faults);
    // The same card as in-process, provider-transfer personalisation (6.4.3 a) included.
    const transfer = (this.inner as Partial<ReferenceSystem>).cardPersonalisation?.(dut.iccid)?.transfer;
    const personalisation = { iccid: dut.iccid, keys: dut.keys, ...(dut.gba ? { gba: dut.gba } : {}), ...(transfer ? { transfer } : {}), faults: this.opts.faults };
    const card = new ReferenceSecureElement({ iccid: dut.iccid, decryptionKeys: dut.keys.downlink, encryptionKeys: dut.keys.uplink, ...(dut.gba ? { gba: dut.gba } : {}), ...(transfer ? { transfer } : {}) }, faults);
    const traceOf = () => this.trace;
    const timeoutMs = this.opts.timeoutMs;
    let secureElement = dut.secureElement;
    let seForDevice = async (apdu: Uint8Array) => card.transmit(apdu);
    if (this.transports.secureElement === 'pcsc') {
      const slot = this.slots[this.slotsUsed++];
      if (!slot) throw new HarnessError(`vpcd has two readers: device ${label} is a third card in one scenario`);
      slot.card.insert(personalisation);
      const harness = await this.track(openPcscSecureElement({ reader: slot.reader, timeoutMs, trace: traceOf, link: `harness -> SE ${label}` }));
      const own = await this.track(openPcscSecureElement({ reader: slot.reader, timeoutMs, trace: traceOf, link: `device ${label} -> SE ${label}` }));
      secureElement = harness;
      seForDevice = async (apdu) => {
        const r = await own.transmit(apdu);
        return Uint8Array.from([...r.data, r.sw >> 8, r.sw & 0xff]);
      };
    }
    let device = dut.device;
    if (this.transports.device === 'serial') {
      const pty = await this.track<PtyPair>(openPtyPair());
      await this.track<RunningSerialDevice>(startSerialDevice({ ptyPath: pty.deviceEnd, se: seForDevice, faults: this.opts.faults }));
      const serial = await this.track<SerialDevice>(openSerialDevice({ path: pty.harnessEnd, baudRate: 115200, timeoutMs, trace: traceOf, label: `device ${label}` }));
      device = serial;
      if (this.transports.secureElement !== 'pcsc') secureElement = serial.secureElement;
    } else if (this.transports.secureElement === 'pcsc') {
      device = referenceDeviceAdapter(new ReferenceDevice(seForDevice, faults), label, traceOf);
    }
    return { ...dut, secureElement, device };
  }

  private async track<T extends { close(): Promise<void> }>(opening: Promise<T>): Promise<T> {
    const it = await opening;
    this.open.push(it);
    return it;
  }

  async close(): Promise<void> {
    this.releaseScenario();
    await this.cleanup;
    for (const s of this.slots) {
      await s.card.close();
      s.release();
    }
    await this.inner.close();
  }
}

