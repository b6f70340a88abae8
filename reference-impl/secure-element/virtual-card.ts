/**
 * The reference SE as a virtual card in a PC/SC reader (vsmartcard's vpcd; protocol in vpcd-card.ts), so that
 * PC/SC clients (the harness's adapter, `opensc-tool`, `scriptor`) reach it through pcscd as they would a SIM.
 *
 * The card runs in a worker thread of its own. pcscd polls every card for its ATR and holds the reader meanwhile;
 * pcsc-lite calls that the binding makes synchronously (disconnect, release) wait for that reader. A card
 * answering from the caller's own event loop could then never answer: both would wait for ever.
 */
import { Worker } from 'node:worker_threads';
import { withTck } from '../../protocol/iso-7816-atr.ts';
import { FAULTS } from '../faults.ts';
import type { CardSpec } from './card-behaviour.ts';
import type { FromCard, ToCard } from './virtual-card-thread.ts';

export { referenceCardFor, type CardSpec, type CardMisbehaviour } from './card-behaviour.ts';

/**
 * The virtual card's ATR: 3B 8B 80 1F C7 80 31 E0 67 "OBF-REF" TCK (= D2). TS direct convention; T0 8B: TD1
 * follows, 11 historical bytes; TD1 80 (T=0, TD2 follows); TD2 1F (T=15 global bytes, TA3 follows); TA3 C7 (clock
 * stop: no preference; classes A, B and C, as TS 102 221 6.2.1 has a UICC announce); historical bytes: category
 * 80 (compact-TLV), 31 E0 (card service data: selection by full DF name), 67 + "OBF-REF" (pre-issuing data);
 * TCK present because T=15 is indicated (ISO/IEC 7816-3 8.2.5).
 */
export const VIRTUAL_CARD_ATR = withTck(Uint8Array.from([0x3b, 0x8b, 0x80, 0x1f, 0xc7, 0x80, 0x31, 0xe0, 0x67, ...Buffer.from('OBF-REF', 'latin1')]));

/** Port of vpcd's first reader, "Virtual PCD 00 00"; the second reader's is the next one. */
export const VPCD_PORT = 35963;

export interface VirtualCardOptions {
  /** A reference card with the reference test keys of this ICCID (reference-impl/test-keys.ts)... */
  iccid?: string;
  /** ...or a card described in full (keys, faults, a misbehaviour); neither: a blank card until insert(). */
  card?: CardSpec;
  faults?: string[];
  vpcdPort?: number;
  /** Where vpcd listens (all interfaces): 127.0.0.1, or 127.0.0.2 with delayed ACKs off (adapters/pcsc/pcscd.ts). */
  host?: string;
  atr?: Uint8Array;
  /** T=0 behaviour (61xx / 6Cxx); default true. */
  t0?: boolean;
}

export interface VirtualCard {
  readonly atr: Uint8Array;
  readonly vpcdPort: number;
  /** Resolves once vpcd has taken the connection (the card is "inserted"); rejects after timeoutMs. */
  connected(timeoutMs: number): Promise<void>;
  /** Put another card in the reader without pcscd noticing a removal, as a lab re-personalises a test card. */
  insert(card: CardSpec | null): void;
  /** Pull the card out: the connection closes and vpcd reports the card removed (insert() puts one back). */
  remove(): void;
  close(): Promise<void>;
}

export function startVirtualCard(opts: VirtualCardOptions): VirtualCard {
  for (const f of [...(opts.faults ?? []), ...(opts.card?.faults ?? [])]) if (!Object.hasOwn(FAULTS, f)) throw new RangeError(`unknown reference fault '${f}'`);
  const spec: CardSpec | null = opts.card ?? (opts.iccid ? { iccid: opts.iccid, faults: opts.faults as CardSpec['faults'] } : null);
  const atr = opts.atr ?? VIRTUAL_CARD_ATR;
  const vpcdPort = opts.vpcdPort ?? VPCD_PORT;
  const worker = new Worker(new URL('./virtual-card-worker.mjs', import.meta.url), {
    workerData: { spec, vpcdPort, host: opts.host ?? '127.0.0.1', atr, t0: opts.t0 ?? true },
  });
  let isConnected = false;
  let waiters: Array<() => void> = [];
  let failure: Error | null = null;
  worker.on('message', (m: FromCard) => {
    if (m.event === 'connected') {
      isConnected = true;
      for (const w of waiters.splice(0)) w();
    }
  });
  worker.on('error', (e) => (failure = e));
  // The card's thread must not keep a finished run alive.
  worker.unref();
  const send = (m: ToCard) => worker.postMessage(m);
  return {
    atr,
    vpcdPort,
    connected: (timeoutMs) =>
      isConnected
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(failure ?? new Error(`vpcd on port ${vpcdPort} did not take the virtual card within ${timeoutMs} ms (is pcscd running with vsmartcard-vpcd?)`)), timeoutMs);
            waiters.push(() => {
              clearTimeout(t);
              resolve();
            });
          }),
    insert: (card) => send({ op: 'insert', spec: card }),
    remove: () => {
      isConnected = false;
      send({ op: 'remove' });
    },
    close: async () => {
      waiters = [];
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      send({ op: 'close' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 500))]);
      await worker.terminate();
    },
  };
}
