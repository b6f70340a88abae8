/** Inside the virtual card's worker thread: the vpcd client and the card behind it, driven by messages. */
import type { MessagePort } from 'node:worker_threads';
import { cardFromSpec, type CardSpec } from './card-behaviour.ts';
import { VpcdCard } from './vpcd-card.ts';

export type ToCard = { op: 'insert'; spec: CardSpec | null } | { op: 'remove' } | { op: 'close' };
export type FromCard = { event: 'connected' } | { event: 'closed' };

/** Answers every command "not found": the reader holds a card no scenario has personalised yet. */
const BLANK = { transmit: () => Uint8Array.of(0x6a, 0x82) };

export function runVirtualCardThread(port: MessagePort | null, data: { spec: CardSpec | null; vpcdPort: number; host: string; atr: Uint8Array; t0: boolean }): void {
  if (!port) return;
  const card = new VpcdCard(data.spec ? cardFromSpec(data.spec) : BLANK, { vpcdPort: data.vpcdPort, host: data.host, atr: data.atr, t0: data.t0, onConnect: () => port.postMessage({ event: 'connected' } satisfies FromCard) });
  port.on('message', (m: ToCard) => {
    if (m.op === 'insert') card.insert(m.spec ? cardFromSpec(m.spec) : BLANK);
    else if (m.op === 'remove') card.remove();
    else {
      card.close();
      port.postMessage({ event: 'closed' } satisfies FromCard);
      port.close();
    }
  });
}
