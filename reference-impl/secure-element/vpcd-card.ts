/**
 * The card side of vsmartcard's vpcd protocol: a TCP client of vpcd (pcscd's "Virtual PCD 00 00" waits on port
 * 35963, "Virtual PCD 00 01" on 35964). Every message either way is a two-byte big-endian length and a payload; a
 * one-byte payload from vpcd is a control message (0 power off, 1 power on, 2 reset, 4 get ATR, answered with the
 * ATR), anything longer a command APDU, answered with data || SW1 SW2.
 *
 * The card speaks T=0 only, as a UICC may (ETSI TS 102 221 6.3): a case 4 command that produces data is answered
 * 61 xx and the data fetched with GET RESPONSE (00 C0 00 00 xx); a case 2 command whose Le does not match is
 * answered 6C xx (ISO/IEC 7816-3 10.3.5). So the PC/SC path exercises a terminal's T=0 handling, as a real SIM does.
 * Runs in the virtual card's worker thread (virtual-card.ts says why).
 */
import net from 'node:net';
import { decodeApdu, joinResponse, splitResponse } from '../../protocol/iso-7816.ts';

/** What sits behind the contacts: one command APDU in, data || SW out; null = no answer, 'vanish' = pulled out. */
export interface CardApplication {
  transmit(apdu: Uint8Array): Uint8Array | null | 'vanish' | Promise<Uint8Array | null | 'vanish'>;
  reset?(): void;
}

export interface VpcdCardOptions {
  vpcdPort: number;
  host: string;
  atr: Uint8Array;
  /** T=0 behaviour (61xx / 6Cxx); default true. */
  t0?: boolean;
  onConnect?(): void;
}

const GET_RESPONSE_INS = 0xc0;

export class VpcdCard {
  private socket: net.Socket | null = null;
  private inserted = true;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private buffer = Buffer.alloc(0);
  private queue: Promise<void> = Promise.resolve();
  /** T=0: data waiting for GET RESPONSE, with the status word that follows it. */
  private pending: Uint8Array | null = null;

  constructor(private app: CardApplication, private readonly opts: VpcdCardOptions) {
    this.connect();
  }

  insert(card: CardApplication): void {
    this.app = card;
    this.pending = null;
    if (!this.inserted) {
      this.inserted = true;
      this.connect();
    }
  }

  remove(): void {
    this.inserted = false;
    clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = null;
  }

  close(): void {
    this.closed = true;
    this.remove();
  }

  private connect(): void {
    if (this.closed || !this.inserted) return;
    const s = net.connect({ port: this.opts.vpcdPort, host: this.opts.host });
    // One write per message and no Nagle: vpcd waits for each answer before it sends the next command.
    s.setNoDelay(true);
    this.socket = s;
    s.on('connect', () => this.opts.onConnect?.());
    s.on('data', (chunk) => this.receive(chunk));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.buffer = Buffer.alloc(0);
      // vpcd not listening yet (pcscd starting) or it dropped us: try again, as a card left in the reader would be seen again.
      if (!this.closed && this.inserted) this.retry = setTimeout(() => this.connect(), 200);
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const len = this.buffer.readUInt16BE(0);
      if (this.buffer.length < 2 + len) return;
      const msg = Uint8Array.from(this.buffer.subarray(2, 2 + len));
      this.buffer = this.buffer.subarray(2 + len);
      const socket = this.socket;
      this.queue = this.queue.then(() => this.handle(msg, socket));
    }
  }

  private async handle(msg: Uint8Array, socket: net.Socket | null): Promise<void> {
    if (msg.length === 1) {
      if (msg[0] === 4) this.send(socket, this.opts.atr);
      else if (msg[0] === 1 || msg[0] === 2) {
        this.pending = null;
        this.app.reset?.();
      }
      return;
    }
    let answer: Uint8Array | null | 'vanish';
    try {
      answer = await this.answer(msg);
    } catch {
      answer = joinResponse(new Uint8Array(0), 0x6f00);
    }
    if (answer === 'vanish') this.remove();
    else if (answer) this.send(socket, answer);
  }

  private async answer(apdu: Uint8Array): Promise<Uint8Array | null | 'vanish'> {
    if (this.opts.t0 === false) return this.app.transmit(apdu);
    const pending = this.pending;
    this.pending = null;
    if (apdu.length === 5 && apdu[1] === GET_RESPONSE_INS && (apdu[0] & 0xf0) === 0x00) {
      if (!pending) return joinResponse(new Uint8Array(0), 0x6985);
      const data = pending.slice(0, -2);
      const le = apdu[4] === 0 ? 256 : apdu[4];
      if (le !== data.length) {
        this.pending = pending;
        return joinResponse(new Uint8Array(0), 0x6c00 | (data.length & 0xff));
      }
      return pending;
    }
    const response = await this.app.transmit(apdu);
    if (!response || response === 'vanish' || response.length < 2) return response;
    let command;
    try {
      command = decodeApdu(apdu);
    } catch {
      return response;
    }
    const { data } = splitResponse(response);
    if (data.length === 0) return response;
    if (command.data.length > 0) {
      // Case 4 over T=0: the card announces the data; the terminal fetches it (TS 102 221 7.3.1.1.4).
      this.pending = response;
      return joinResponse(new Uint8Array(0), 0x6100 | (data.length & 0xff));
    }
    const le = command.le === null ? null : command.le === 0 ? 256 : command.le;
    if (le !== null && le !== data.length) return joinResponse(new Uint8Array(0), 0x6c00 | (data.length & 0xff));
    return response;
  }

  private send(socket: net.Socket | null, payload: Uint8Array): void {
    if (!socket || socket.destroyed) return;
    const frame = Buffer.alloc(2 + payload.length);
    frame.writeUInt16BE(payload.length, 0);
    frame.set(payload, 2);
    socket.write(frame);
  }
}
