/**
 * A Secure Element in a PC/SC reader (pcsc-lite's pcscd, through the `smartcard` N-API binding): a lab's test
 * card in a USB reader, or the reference SE as a virtual card on vsmartcard's vpcd. Verdicts (adapters/types.ts):
 * no reader, no card, a card that goes or stops answering -> Inconclusive; an ATR ISO/IEC 7816-3 forbids or a
 * response shorter than its status word -> NonConformance; an ATR other than the one the lab declared ->
 * HarnessError (the wrong card is in the reader). T=0 status words 61xx / 6Cxx are handled here (t0-exchange.ts).
 */
import { Context, SCARD_LEAVE_CARD, SCARD_RESET_CARD, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_SHARE_SHARED, SCARD_STATE_PRESENT, type CardInterface, type ContextInterface, type ReaderInterface } from 'smartcard';
import { parseAtr } from '../../protocol/iso-7816-atr.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { toHex } from '../../protocol/hex.ts';
import { HarnessError, Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import { TracedSecureElement } from '../apdu/traced-secure-element.ts';
import { describeT0, withT0Handling } from '../apdu/t0-exchange.ts';
import type { Trace } from '../trace.ts';
import type { SecureElementAdapter } from '../types.ts';

export interface PcscOptions {
  /** Reader name as PC/SC lists it (`pcsc_scan -r`), e.g. "Virtual PCD 00 00". */
  reader: string;
  /** PIXIT timeout per APDU, and for the card to appear at open. */
  timeoutMs: number;
  /** The ATR the lab declares for its test card (hex); absent = any well-formed ATR. */
  expectedAtr?: string;
  /** Evidence trace of the current scenario, and the link name used in it. */
  trace?: () => Trace | null;
  link?: string;
}

export type PcscSecureElement = SecureElementAdapter & {
  readonly atr: Uint8Array;
  readonly reader: string;
  /** Warm reset of the card (SCardReconnect with SCARD_RESET_CARD), e.g. between test cases. */
  reset(): Promise<void>;
  close(): Promise<void>;
};

export async function openPcscSecureElement(opts: PcscOptions): Promise<PcscSecureElement> {
  const link = opts.link ?? `harness -> SE (${opts.reader})`;
  let context: ContextInterface;
  try {
    context = new Context();
  } catch (e) {
    throw new Inconclusive(`PC/SC: cannot reach pcscd (${(e as Error).message}); is pcscd running?`);
  }
  try {
    const reader = await waitForCard(context, opts.reader, opts.timeoutMs);
    let card: CardInterface;
    try {
      card = await reader.connect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
    } catch (e) {
      throw new Inconclusive(`PC/SC: cannot connect to the card in '${opts.reader}': ${(e as Error).message}`);
    }
    const atr = Uint8Array.from(card.atr ?? reader.atr ?? []);
    opts.trace?.()?.record('apdu', '--', link, `card in '${opts.reader}', ATR ${toHex(atr)}, protocol T=${card.protocol === SCARD_PROTOCOL_T1 ? 1 : 0}`);
    checkAtr(atr, opts.expectedAtr, opts.reader, () => card.disconnect(SCARD_LEAVE_CARD));
    return new PcscCard(context, card, atr, opts, link);
  } catch (e) {
    context.close();
    throw e;
  }
}

function checkAtr(atr: Uint8Array, expected: string | undefined, reader: string, release: () => void): void {
  try {
    parseAtr(atr);
  } catch (e) {
    release();
    if (e instanceof ProtocolError) throw new NonConformance(`the card in '${reader}' answers reset with an ATR ISO/IEC 7816-3 forbids: ${e.message}`, e.expected, e.actual);
    throw e;
  }
  if (expected && toHex(atr) !== expected.replace(/\s+/g, '').toUpperCase()) {
    release();
    throw new HarnessError(`the card in '${reader}' is not the one the target declares: ATR ${toHex(atr)}, declared ${expected}`);
  }
}

async function waitForCard(context: ContextInterface, name: string, timeoutMs: number): Promise<ReaderInterface> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let readers: ReaderInterface[] = [];
    try {
      readers = context.listReaders();
    } catch {
      readers = []; // SCARD_E_NO_READERS_AVAILABLE is an exception in the binding
    }
    const reader = readers.find((r) => r.name === name);
    if (reader && reader.state & SCARD_STATE_PRESENT) return reader;
    if (Date.now() >= deadline) {
      if (!reader) throw new Inconclusive(`PC/SC: no reader '${name}' (readers present: ${readers.map((r) => `'${r.name}'`).join(', ') || 'none'})`);
      throw new Inconclusive(`PC/SC: no card in reader '${name}' within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

class PcscCard implements PcscSecureElement {
  private readonly traced: TracedSecureElement;
  /** Set when the card stopped answering: later commands are Inconclusive at once instead of queueing in pcscd. */
  private lost: string | null = null;
  private closed = false;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly context: ContextInterface, private readonly card: CardInterface, readonly atr: Uint8Array, private readonly opts: PcscOptions, link: string) {
    const trace = opts.trace ?? (() => null);
    const raw = withT0Handling((apdu) => this.raw(apdu), {
      onExchange: (c, r) => trace()?.record('apdu', '--', link, `T=0 ${describeT0(c, r)}`),
    });
    this.traced = new TracedSecureElement(raw, link, trace, opts.timeoutMs);
  }

  get reader(): string {
    return this.opts.reader;
  }

  transmit(apdu: Uint8Array) {
    return this.traced.transmit(apdu).catch((e: unknown) => {
      // A timeout leaves the command pending inside pcscd: the card is gone for this run.
      if (e instanceof Inconclusive && !this.lost) this.lost = e.message;
      throw e;
    });
  }

  private async raw(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new Inconclusive(`PC/SC: the connection to '${this.opts.reader}' is closed`);
    if (this.lost) throw new Inconclusive(`PC/SC: the card in '${this.opts.reader}' stopped answering earlier (${this.lost})`);
    const sent = this.card.transmit(Buffer.from(apdu), { maxRecvLength: 258 });
    this.inflight = sent.then(() => undefined, () => undefined);
    let response: Uint8Array;
    try {
      response = Uint8Array.from(await sent);
    } catch (e) {
      const m = (e as Error).message;
      throw new Inconclusive(/remov|reset|no smart card|unpowered/i.test(m) ? `PC/SC: the card in '${this.opts.reader}' was removed or reset (${m})` : `PC/SC: transmit failed (${m})`);
    }
    // A card cannot send nothing (it always ends with a status word): zero bytes means the reader got no answer,
    // as vpcd reports a card that left mid-command.
    if (response.length === 0) {
      this.lost = 'no answer: the card left the reader or went mute';
      throw new Inconclusive(`PC/SC: the card in '${this.opts.reader}' gave no answer (removed or mute)`);
    }
    return response;
  }

  async reset(): Promise<void> {
    try {
      await this.card.reconnect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD);
      this.lost = null;
    } catch (e) {
      throw new Inconclusive(`PC/SC: reset of the card in '${this.opts.reader}' failed (${(e as Error).message})`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // pcsc-lite serialises calls on a context: disconnecting while a command is still pending inside pcscd would
    // block this thread until the card answers. Give it a moment; a card that never answers is left to pcscd.
    let settled = false;
    await Promise.race([this.inflight.then(() => (settled = true)), new Promise((r) => setTimeout(r, 1000).unref())]);
    if (!settled) return;
    try {
      this.card.disconnect(SCARD_LEAVE_CARD);
    } catch {
      // already gone with the card
    }
    this.context.close();
  }
}
