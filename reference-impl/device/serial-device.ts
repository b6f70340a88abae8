/**
 * The reference device on a serial line: its AT command interface (at-interface.ts) on a tty, in the tests one
 * end of a socat pty pair. Lines end with CR (V.250 S3) or LF; answers are framed CR LF <text> CR LF (V.250 5.7.1).
 * On start (and after ATZ-independent restarts) it sends the unsolicited +OBFRDY, as modems announce readiness.
 */
import { SerialPort } from 'serialport';
import { MAX_AT_LINE } from '../../protocol/at-commands.ts';
import { ReferenceDevice, type ApduLink } from './device.ts';
import { AtInterpreter } from './at-interface.ts';
import type { FaultName } from '../faults.ts';
import { referenceCardFor } from '../secure-element/card-behaviour.ts';
import type { ReferenceSecureElement } from '../secure-element/secure-element.ts';

export interface SerialDeviceOptions {
  /** The tty the device owns (the other end of the pty pair is the harness's). */
  ptyPath: string;
  /** Its SE: a card in-process (personalised for this ICCID by referenceCardFor when absent), or an APDU link (e.g. PC/SC). */
  iccid?: string;
  card?: ReferenceSecureElement;
  se?: ApduLink;
  faults?: FaultName[];
  baudRate?: number;
}

export interface RunningSerialDevice {
  readonly ptyPath: string;
  /** Restart the device's firmware: a fresh interpreter, +OBFRDY on the line (configuration kept, as in NVM). */
  restart(): void;
  close(): Promise<void>;
}

export async function startSerialDevice(opts: SerialDeviceOptions): Promise<RunningSerialDevice> {
  let se = opts.se;
  if (!se) {
    if (!opts.card && !opts.iccid) throw new RangeError('startSerialDevice needs an iccid, a card or an SE link');
    const card = opts.card ?? referenceCardFor(opts.iccid!, opts.faults ?? []);
    se = async (apdu) => card.transmit(apdu);
  }
  const device = new ReferenceDevice(se, new Set(opts.faults ?? []));
  const port = new SerialPort({ path: opts.ptyPath, baudRate: opts.baudRate ?? 115200, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let at = new AtInterpreter(device, se);
  let pending = '';
  let queue = Promise.resolve();
  const write = (lines: string[]) => {
    if (port.isOpen && lines.length) port.write(lines.map((l) => `\r\n${l}\r\n`).join(''));
  };
  port.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let m: RegExpExecArray | null;
    while ((m = /[\r\n]/.exec(pending))) {
      const line = pending.slice(0, m.index).trim();
      pending = pending.slice(m.index + 1);
      if (!line) continue;
      const handler = at;
      queue = queue.then(async () => write(await handler.handle(line))).catch(() => write(['ERROR']));
    }
    // A line longer than any command is noise: drop it and answer ERROR, rather than buffer without end.
    if (pending.length > MAX_AT_LINE) {
      pending = '';
      write(['ERROR']);
    }
  });
  port.on('error', () => undefined);
  write(['+OBFRDY']);
  return {
    ptyPath: opts.ptyPath,
    restart: () => {
      at = new AtInterpreter(device, se!);
      pending = '';
      write(['+OBFRDY']);
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
