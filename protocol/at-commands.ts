/**
 * AT command lines of the OBF device profile (docs/profile/at-commands.md), after ITU-T V.250 (syntax, result
 * codes) and 3GPP TS 27.007 (AT+CSIM 8.17, +CME ERROR 9.2). Pure: a command line or a response line in, a typed
 * value out; anything else is an AtSyntaxError carrying what was expected and what was found.
 */
import { ProtocolError } from './errors.ts';

export class AtSyntaxError extends ProtocolError {
  readonly code = 'AT_SYNTAX';
}

/** Longest line either side accepts: AT+OBFDL with a 255-byte packet is 519 characters. */
export const MAX_AT_LINE = 1024;

export type AtCommand =
  | { kind: 'attention' } // AT
  | { kind: 'reset' } // ATZ
  | { kind: 'echo'; on: boolean } // ATE0 / ATE1
  | { kind: 'csim'; apdu: Uint8Array } // AT+CSIM=<length>,"<command>"
  | { kind: 'downlink'; packet: Uint8Array } // AT+OBFDL="<hex>"
  | { kind: 'uplink'; keyIndex: number; replayCheck: boolean; data: Uint8Array } // AT+OBFUL=<keyIndex>,<replay>,"<hex>"
  | { kind: 'state' }; // AT+OBFSTATE?

export type AtParam = string | number;

/** A response line: a final result code, an information response (+NAME: params), or an unsolicited result code. */
export type AtResponse =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'cme-error'; code: number }
  | { kind: 'info'; name: string; params: AtParam[] }
  | { kind: 'ready' }; // +OBFRDY: the device (re)started

/** 27.007 9.2.1 error codes the profile uses. */
export const CME = { OPERATION_NOT_ALLOWED: 3, SIM_NOT_INSERTED: 10, SIM_FAILURE: 13, INCORRECT_PARAMETERS: 50 } as const;

const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

function bytesOf(hex: string, field: string): Uint8Array {
  if (!HEX.test(hex)) throw new AtSyntaxError(`${field}: not an even number of hex digits`, 'hex digits, even count', JSON.stringify(hex.slice(0, 40)));
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/** V.250 5.4.2.2 string constant: "..." with \HH for '"', '\' and characters outside printable ASCII. */
export function quoteAt(text: string): string {
  return `"${[...text].map((c) => (c === '"' || c === '\\' || c < ' ' || c > '~' ? [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(16).toUpperCase().padStart(2, '0')}`).join('') : c)).join('')}"`;
}

/** Split a parameter list: quoted strings (escapes decoded) and bare numbers; empty parameters are not allowed. */
export function parseParams(text: string): AtParam[] {
  const out: AtParam[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      const bytes: number[] = [];
      i++;
      for (;;) {
        if (i >= text.length) throw new AtSyntaxError('unterminated string', 'closing "', 'end of line');
        const c = text[i];
        if (c === '"') break;
        if (c === '\\') {
          const hh = text.slice(i + 1, i + 3);
          if (!/^[0-9A-Fa-f]{2}$/.test(hh)) throw new AtSyntaxError('bad escape in string', '\\HH', JSON.stringify(text.slice(i, i + 3)));
          bytes.push(parseInt(hh, 16));
          i += 3;
          continue;
        }
        bytes.push(...Buffer.from(c, 'utf8'));
        i++;
      }
      out.push(Buffer.from(bytes).toString('utf8'));
      i++;
    } else {
      const m = /^\d{1,9}/.exec(text.slice(i));
      if (!m) throw new AtSyntaxError('parameter is neither a number nor a string', 'digits or "..."', JSON.stringify(text.slice(i, i + 20)));
      out.push(Number(m[0]));
      i += m[0].length;
    }
    if (i === text.length) return out;
    if (text[i] !== ',') throw new AtSyntaxError('parameters must be separated by commas', ',', JSON.stringify(text.slice(i, i + 20)));
    i++;
    if (i === text.length) break;
  }
  throw new AtSyntaxError('trailing comma', 'a parameter', 'end of line');
}

function expectParams(params: AtParam[], types: Array<'n' | 's'>, command: string): void {
  const actual = params.map((p) => (typeof p === 'number' ? 'n' : 's')).join('');
  if (actual !== types.join('')) throw new AtSyntaxError(`${command}: wrong parameters`, types.join(','), actual.split('').join(',') || 'none');
}

/** Parse one command line (without its CR). Case-insensitive prefix, as V.250 5.1 allows. */
export function parseAtCommand(line: string): AtCommand {
  if (line.length > MAX_AT_LINE) throw new AtSyntaxError('line too long', `<= ${MAX_AT_LINE} characters`, `${line.length} characters`);
  if (!/^AT/i.test(line)) throw new AtSyntaxError('not a command line', 'AT prefix', JSON.stringify(line.slice(0, 20)));
  const body = line.slice(2);
  const upper = body.toUpperCase();
  if (body === '') return { kind: 'attention' };
  if (upper === 'Z' || upper === 'Z0') return { kind: 'reset' };
  if (upper === 'E0' || upper === 'E1' || upper === 'E') return { kind: 'echo', on: upper === 'E1' };
  if (upper === '+OBFSTATE?') return { kind: 'state' };
  const m = /^\+(CSIM|OBFDL|OBFUL)=(.*)$/i.exec(body);
  if (!m) throw new AtSyntaxError('unknown command', 'AT, ATZ, ATE0/1, AT+CSIM=, AT+OBFDL=, AT+OBFUL=, AT+OBFSTATE?', JSON.stringify(line.slice(0, 30)));
  const name = m[1].toUpperCase();
  const params = parseParams(m[2]);
  if (name === 'CSIM') {
    expectParams(params, ['n', 's'], 'AT+CSIM');
    const [length, hex] = params as [number, string];
    if (length !== hex.length) throw new AtSyntaxError('AT+CSIM: length is not the number of hex characters', String(hex.length), String(length));
    const apdu = bytesOf(hex, 'AT+CSIM command');
    if (apdu.length < 4) throw new AtSyntaxError('AT+CSIM: a command APDU has at least 4 bytes', '>= 4', String(apdu.length));
    return { kind: 'csim', apdu };
  }
  if (name === 'OBFDL') {
    expectParams(params, ['s'], 'AT+OBFDL');
    const packet = bytesOf(params[0] as string, 'AT+OBFDL packet');
    if (!packet.length) throw new AtSyntaxError('AT+OBFDL: empty packet', '1..255 bytes', '0 bytes');
    return { kind: 'downlink', packet };
  }
  expectParams(params, ['n', 'n', 's'], 'AT+OBFUL');
  const [keyIndex, replay, hex] = params as [number, number, string];
  if (keyIndex < 1 || keyIndex > 15) throw new AtSyntaxError('AT+OBFUL: key index out of range', '1..15', String(keyIndex));
  if (replay > 1) throw new AtSyntaxError('AT+OBFUL: replay flag', '0 or 1', String(replay));
  return { kind: 'uplink', keyIndex, replayCheck: replay === 1, data: bytesOf(hex, 'AT+OBFUL data') };
}

export function formatAtCommand(c: AtCommand): string {
  switch (c.kind) {
    case 'attention':
      return 'AT';
    case 'reset':
      return 'ATZ';
    case 'echo':
      return c.on ? 'ATE1' : 'ATE0';
    case 'state':
      return 'AT+OBFSTATE?';
    case 'csim': {
      const hex = hexOf(c.apdu);
      return `AT+CSIM=${hex.length},"${hex}"`;
    }
    case 'downlink':
      return `AT+OBFDL="${hexOf(c.packet)}"`;
    case 'uplink':
      return `AT+OBFUL=${c.keyIndex},${c.replayCheck ? 1 : 0},"${hexOf(c.data)}"`;
  }
}

/** Parse one response line (line ends stripped; empty lines are the caller's to skip). */
export function parseAtResponse(line: string): AtResponse {
  if (line.length > MAX_AT_LINE) throw new AtSyntaxError('response line too long', `<= ${MAX_AT_LINE} characters`, `${line.length} characters`);
  if (line === 'OK') return { kind: 'ok' };
  if (line === 'ERROR') return { kind: 'error' };
  if (line === '+OBFRDY') return { kind: 'ready' };
  const cme = /^\+CME ERROR: (\d{1,4})$/.exec(line);
  if (cme) return { kind: 'cme-error', code: Number(cme[1]) };
  const info = /^\+([A-Z][A-Z0-9]{0,15}): (.*)$/.exec(line);
  if (!info) throw new AtSyntaxError('not an AT response line', 'OK, ERROR, +CME ERROR: <n> or +<NAME>: <params>', JSON.stringify(line.slice(0, 40)));
  return { kind: 'info', name: `+${info[1]}`, params: parseParams(info[2]) };
}

export function formatAtResponse(r: AtResponse): string {
  switch (r.kind) {
    case 'ok':
      return 'OK';
    case 'error':
      return 'ERROR';
    case 'ready':
      return '+OBFRDY';
    case 'cme-error':
      return `+CME ERROR: ${r.code}`;
    case 'info':
      return `${r.name}: ${r.params.map((p) => (typeof p === 'number' ? String(p) : quoteAt(p))).join(',')}`;
  }
}
