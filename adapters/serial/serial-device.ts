/**
 * A constrained device on a serial line, driven with the profile's AT commands (docs/profile/at-commands.md)
 * through `serialport`; its SE is reached through the device with AT+CSIM (3GPP TS 27.007 8.17). Every line either
 * way goes into the scenario's trace (channel `at`). Verdicts (adapters/types.ts): no answer within the timeout,
 * the port lost, a device restart (+OBFRDY) while a command runs, +CME ERROR 10/13 (its SE unreachable) ->
 * Inconclusive; a line outside the AT syntax, ERROR or +CME ERROR to a profile command, an information response
 * without the profile's fields -> NonConformance. Never waits longer than the timeout: the line is watched by us
 * (a vanished pty gives the port no close event).
 */
import { SerialPort } from 'serialport';
import { AtSyntaxError, CME, formatAtCommand, parseAtResponse, type AtCommand, type AtParam } from '../../protocol/at-commands.ts';
import { fromHex } from '../../protocol/hex.ts';
import { Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import { TracedSecureElement } from '../apdu/traced-secure-element.ts';
import { describeT0, withT0Handling } from '../apdu/t0-exchange.ts';
import type { Trace } from '../trace.ts';
import type { DeviceAdapter, DeviceStateReport, DownlinkReport, DownlinkStage, SecureElementAdapter, UplinkResult } from '../types.ts';

export interface SerialDeviceOptions {
  path: string;
  baudRate: number;
  /** Line settings of the target file (serialport's defaults: 8 data bits, no parity, 1 stop bit, no RTS/CTS). */
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
  rtscts?: boolean;
  /** PIXIT timeout per command. */
  timeoutMs: number;
  trace?: () => Trace | null;
  /** Names the device in the trace ("device A"). */
  label?: string;
}

export type SerialDevice = DeviceAdapter & { secureElement: SecureElementAdapter; close(): Promise<void> };

const STAGES: readonly DownlinkStage[] = ['checksum', 'secure-element', 'command', 'executed'];

export async function openSerialDevice(opts: SerialDeviceOptions): Promise<SerialDevice> {
  const port = new SerialPort({
    path: opts.path,
    baudRate: opts.baudRate,
    autoOpen: false,
    ...(opts.dataBits ? { dataBits: opts.dataBits } : {}),
    ...(opts.parity ? { parity: opts.parity } : {}),
    ...(opts.stopBits ? { stopBits: opts.stopBits } : {}),
    ...(opts.rtscts !== undefined ? { rtscts: opts.rtscts } : {}),
  });
  await withTimeout(new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve()))), opts.timeoutMs, `serial port ${opts.path} did not open`).catch((e: Error) => {
    throw new Inconclusive(`serial: cannot open ${opts.path}: ${e.message}`);
  });
  const line = new AtLine(port, opts);
  try {
    // Echo off (V.250 E0): the device may start with echo on; the answer tells us it speaks AT at all.
    await line.command({ kind: 'echo', on: false }, { handshake: true });
  } catch (e) {
    await line.close();
    throw e;
  }
  return line.adapter();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

interface Pending {
  sent: string;
  info: Array<{ name: string; params: AtParam[] }>;
  handshake: boolean;
  done(result: { final: 'ok' } | { final: 'error' | 'cme'; code?: number }): void;
  fail(e: Error): void;
}

class AtLine {
  private buffer = '';
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** After a timeout, late answers may still come: resynchronise with a bare AT before the next command. */
  private desync = false;
  private lost: string | null = null;
  private readonly link: string;

  constructor(private readonly port: SerialPort, private readonly opts: SerialDeviceOptions) {
    this.link = `harness -> ${opts.label ?? `device (${opts.path})`}`;
    port.on('data', (chunk: Buffer) => this.receive(chunk.toString('latin1')));
    port.on('close', () => this.loseLine('the serial port closed'));
    port.on('error', (e: Error) => this.loseLine(`serial port error: ${e.message}`));
  }

  private get trace(): Trace | null {
    return this.opts.trace?.() ?? null;
  }

  private loseLine(why: string): void {
    this.lost = why;
    this.pending?.fail(new Inconclusive(`${this.link}: ${why}`));
  }

  private receive(text: string): void {
    this.buffer += text;
    let m: RegExpExecArray | null;
    while ((m = /\r\n|\r|\n/.exec(this.buffer))) {
      const l = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      if (l.trim()) this.onLine(l.trim());
    }
    if (this.buffer.length > 4096) {
      // Noise without line ends: never buffer without bound.
      this.trace?.record('at', '<<', this.link, `${this.buffer.length} bytes without a line end: ${JSON.stringify(this.buffer.slice(0, 60))}...`);
      const p = this.pending;
      this.buffer = '';
      p?.fail(new NonConformance(`${this.link}: the device sent ${text.length}+ bytes that are no AT response line`, 'AT response lines', 'unterminated data'));
    }
  }

  private onLine(l: string): void {
    this.trace?.record('at', '<<', this.link, l);
    const p = this.pending;
    if (p && l === p.sent) return; // echo (V.250 E1)
    let r;
    try {
      r = parseAtResponse(l);
    } catch (e) {
      if (!(e instanceof AtSyntaxError)) throw e;
      if (p && !p.handshake) p.fail(new NonConformance(`${this.link}: answer to ${p.sent.slice(0, 40)} is not an AT response line: ${e.message}`, e.expected, e.actual));
      return;
    }
    if (r.kind === 'ready') {
      if (p && !p.handshake) p.fail(new Inconclusive(`${this.link}: the device restarted (+OBFRDY) while ${p.sent.slice(0, 40)} ran`));
      return;
    }
    if (!p) return; // unsolicited, or late after a timeout: traced, nothing waits for it
    if (r.kind === 'info') p.info.push({ name: r.name, params: r.params });
    else if (r.kind === 'ok') p.done({ final: 'ok' });
    else if (r.kind === 'error') p.done({ final: 'error' });
    else p.done({ final: 'cme', code: r.code });
  }

  /** Send one command and collect its information responses; one at a time. */
  command(c: AtCommand, o: { handshake?: boolean; acceptError?: boolean } = {}): Promise<Array<{ name: string; params: AtParam[] }>> {
    const run = async () => {
      if (this.desync) await this.resync();
      return this.exchange(formatAtCommand(c), o.handshake ?? false);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async resync(): Promise<void> {
    this.desync = false;
    this.trace?.record('at', '--', this.link, 'resynchronising after an unanswered command');
    await this.exchange('AT', true);
  }

  private exchange(sent: string, handshake: boolean): Promise<Array<{ name: string; params: AtParam[] }>> {
    if (this.lost) return Promise.reject(new Inconclusive(`${this.link}: ${this.lost}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.desync = true;
        finish();
        this.trace?.record('at', '<<', this.link, `no final result code within ${this.opts.timeoutMs} ms`);
        reject(new Inconclusive(`${this.link}: no answer to ${sent.slice(0, 40)} within ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        if (this.pending === p) this.pending = null;
      };
      const p: Pending = {
        sent,
        info: [],
        handshake,
        done: (result) => {
          finish();
          if (result.final === 'ok') return resolve(p.info);
          const what = result.final === 'error' ? 'ERROR' : `+CME ERROR: ${result.code}`;
          if (result.final === 'cme' && (result.code === CME.SIM_FAILURE || result.code === CME.SIM_NOT_INSERTED)) {
            return reject(new Inconclusive(`${this.link}: ${sent.slice(0, 40)} answered ${what}: the device cannot reach its SE`));
          }
          reject(new NonConformance(`${this.link}: ${sent.slice(0, 40)} refused`, 'OK', what));
        },
        fail: (e) => {
          finish();
          this.desync = true;
          reject(e);
        },
      };
      this.pending = p;
      this.trace?.record('at', '>>', this.link, sent);
      this.port.write(`${sent}\r`);
    });
  }

  /** The one information response of `name` a command must give, with the parameter types the profile says. */
  private expectInfo(info: Array<{ name: string; params: AtParam[] }>, name: string, shape: string): AtParam[] {
    const hit = info.find((i) => i.name === name);
    const actual = hit ? hit.params.map((p) => (typeof p === 'number' ? 'n' : 's')).join('') : '';
    const ok = hit && new RegExp(`^(?:${shape})$`).test(actual);
    if (!ok) throw new NonConformance(`${this.link}: no ${name} response with the profile's fields`, `${name}: ${shape}`, hit ? `${name}: ${actual}` : info.map((i) => i.name).join(', ') || 'none');
    return hit.params;
  }

  adapter(): SerialDevice {
    const secureElement = new TracedSecureElement(
      withT0Handling((apdu) => this.csim(apdu), { onExchange: (c, r) => this.trace?.record('apdu', '--', `${this.link} (AT+CSIM)`, `T=0 ${describeT0(c, r)}`) }),
      `${this.link.replace(/device/, 'SE')} (AT+CSIM)`,
      () => this.trace,
      // AT+CSIM adds one serial round trip; the APDU gets the same budget as any command.
      this.opts.timeoutMs,
    );
    return {
      secureElement,
      deliverDownlink: (packet) => this.downlink(packet),
      requestUplink: (data, keyIndex, replayCheck) => this.uplink(data, keyIndex, replayCheck),
      readState: () => this.state(),
      close: () => this.close(),
    };
  }

  private async csim(apdu: Uint8Array): Promise<Uint8Array> {
    const [length, hex] = this.expectInfo(await this.command({ kind: 'csim', apdu }), '+CSIM', 'ns') as [number, string];
    if (length !== hex.length || !/^(?:[0-9A-Fa-f]{2})+$/.test(hex)) throw new NonConformance(`${this.link}: +CSIM response malformed`, 'length = number of hex characters of an even hex string', `${length},"${hex.slice(0, 20)}"`);
    return fromHex(hex);
  }

  private async downlink(packet: Uint8Array): Promise<DownlinkReport> {
    const p = this.expectInfo(await this.command({ kind: 'downlink', packet }), '+OBFDL', 'nsss(s)?');
    const [accepted, stage, sw, reason, command] = p as [number, string, string, string, string | undefined];
    if (accepted > 1 || !STAGES.includes(stage as DownlinkStage) || (sw !== '' && !/^[0-9A-F]{4}$/i.test(sw))) {
      throw new NonConformance(`${this.link}: +OBFDL fields outside the profile`, '0|1,"checksum|secure-element|command|executed","<SW or empty>","<reason>"', `${accepted},"${stage}","${sw}"`);
    }
    return { accepted: accepted === 1, stage: stage as DownlinkStage, reason, ...(sw ? { sw: sw.toUpperCase() } : {}), ...(command !== undefined ? { command } : {}) };
  }

  private async uplink(data: Uint8Array, keyIndex: number, replayCheck: boolean): Promise<UplinkResult> {
    const p = this.expectInfo(await this.command({ kind: 'uplink', keyIndex, replayCheck, data }), '+OBFUL', 'ns|nss');
    if (p[0] === 1 && p.length === 2 && /^(?:[0-9A-Fa-f]{2})+$/.test(p[1] as string)) return { ok: true, packet: fromHex(p[1] as string) };
    if (p[0] === 0 && p.length === 3 && /^[0-9A-F]{4}$/i.test(p[1] as string)) return { ok: false, sw: (p[1] as string).toUpperCase(), reason: p[2] as string };
    throw new NonConformance(`${this.link}: +OBFUL fields outside the profile`, '1,"<packet hex>" or 0,"<SW>","<reason>"', p.map(String).join(',').slice(0, 60));
  }

  private async state(): Promise<DeviceStateReport> {
    const p = this.expectInfo(await this.command({ kind: 'state' }), '+OBFSTATE', 'snsnn') as [string, number, string, number, number];
    const addr = (host: string, port: number) => (host ? { host, port } : null);
    return { ip1: addr(p[0], p[1]), ip2: addr(p[2], p[3]), commandsExecuted: p[4] };
  }

  async close(): Promise<void> {
    this.lost ??= 'closed by the harness';
    if (!this.port.isOpen) return;
    await withTimeout(new Promise<void>((resolve) => this.port.close(() => resolve())), 1000, 'close').catch(() => undefined);
  }
}

