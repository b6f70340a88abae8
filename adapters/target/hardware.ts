/**
 * Third-party cards and devices: the PC/SC and serial adapters (adapters/pcsc/, adapters/serial/) are loaded when a
 * target file names such a role, so a run against servers alone needs neither pcsc-lite nor serialport.
 */
import { HarnessError, Inconclusive } from '../../harness/verdicts.ts';
import type { Trace } from '../trace.ts';
import type { DeviceAdapter, SecureElementAdapter } from '../types.ts';
import type { SerialSettings } from './target-file.ts';

export interface Closable {
  close(): Promise<void>;
}

/** Module paths as variables: they are resolved at use time, once the hardware adapters are present. */
const PCSC_MODULE = '../pcsc/pcsc-secure-element.ts';
const SERIAL_MODULE = '../serial/serial-device.ts';

async function load<T>(specifier: string, name: string, what: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(new URL(specifier, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    throw new HarnessError(`the ${what} adapter cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof mod[name] !== 'function') throw new HarnessError(`the ${what} adapter has no ${name}()`);
  return mod[name] as T;
}

/** Opening a product that is absent (no reader, no such port) is the product not answering: inconclusive with the reason. */
async function opening<T>(what: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    const name = (e as Error)?.name;
    if (name === 'NonConformance' || name === 'Inconclusive' || name === 'NotApplicable' || name === 'HarnessError') throw e;
    throw new Inconclusive(`${what} could not be opened: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Opened without a trace: the caller wraps it (adapters/apdu/traced-secure-element.ts) once per link, harness and device. */
export async function openThirdPartySecureElement(reader: string, timeoutMs: number, expectedAtr?: string): Promise<SecureElementAdapter & Closable> {
  const open = await load<(o: { reader: string; timeoutMs: number; expectedAtr?: string }) => Promise<SecureElementAdapter & Closable>>(PCSC_MODULE, 'openPcscSecureElement', 'PC/SC');
  return opening(`PC/SC reader "${reader}"`, () => open({ reader, timeoutMs, ...(expectedAtr ? { expectedAtr } : {}) }));
}

/** The serial adapter records every AT line and every AT+CSIM APDU itself (channel `at`, link `harness -> device <label>`). */
export async function openThirdPartyDevice(serial: SerialSettings, timeoutMs: number, trace?: () => Trace | null, label?: string): Promise<DeviceAdapter & { secureElement: SecureElementAdapter } & Closable> {
  type Open = (o: SerialSettings & { baudRate: number; timeoutMs: number; trace?: () => Trace | null; label?: string }) => Promise<DeviceAdapter & { secureElement: SecureElementAdapter } & Closable>;
  const open = await load<Open>(SERIAL_MODULE, 'openSerialDevice', 'serial');
  return opening(`serial device ${serial.path}`, () => open({ ...serial, baudRate: serial.baudRate ?? 115200, timeoutMs, ...(trace ? { trace } : {}), ...(label ? { label: `device ${label}` } : {}) }));
}
