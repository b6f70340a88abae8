/**
 * What a virtual card is, in a form that crosses to its worker thread (structured clone): a reference card's
 * personalisation, and optionally a misbehaviour, for the harness's own tests of misbehaving products (issue 7):
 * a card that answers with a wrong status word, with a response shorter than a status word, that stops answering
 * or that is pulled out of the reader after some commands.
 */
import { joinResponse } from '../../protocol/iso-7816.ts';
import type { KeySet } from '../../protocol/obf-profile.ts';
import type { FaultName } from '../faults.ts';
import { referenceTestKeys, REFERENCE_IMPI_DOMAIN } from '../test-keys.ts';
import { ReferenceSecureElement } from './secure-element.ts';
import type { CardApplication } from './vpcd-card.ts';
import type { TransferPersonalisation } from './provider-transfer.ts';

export type CardMisbehaviour =
  /** Every answer's status word replaced by `sw`, data dropped. */
  | { kind: 'wrong-sw'; sw: number }
  /** Every answer cut to its first byte: shorter than a status word. */
  | { kind: 'truncated' }
  /** Answers `afterCommands` commands, then never again (the reader waits for ever). */
  | { kind: 'silent'; afterCommands: number }
  /** Answers `afterCommands` commands, then leaves the reader (the connection to vpcd closes). */
  | { kind: 'vanish'; afterCommands: number };

export interface CardSpec {
  iccid: string;
  /** Keysets (decryption = downlink, encryption = uplink); absent: the reference test keys of the ICCID. */
  keys?: { downlink: Record<number, KeySet>; uplink: Record<number, KeySet> };
  gba?: { impi: string; k: Uint8Array; opc: Uint8Array };
  /** Provider transfer (draft 6.4.3 a): the card's X25519 secret and the provider it is issued to. */
  transfer?: TransferPersonalisation;
  faults?: FaultName[];
  misbehaviour?: CardMisbehaviour;
}

/** A reference card personalised as the reference SUT personalises one (keys from the ICCID, GBA subscription). */
export function referenceCardFor(iccid: string, faults: FaultName[] = []): ReferenceSecureElement {
  const keys = referenceTestKeys(iccid);
  return new ReferenceSecureElement({ iccid, decryptionKeys: keys.downlink, encryptionKeys: keys.uplink, gba: { k: keys.gba.k, opc: keys.gba.opc, impi: `${iccid}@${REFERENCE_IMPI_DOMAIN}` } }, new Set(faults));
}

export function cardFromSpec(spec: CardSpec): CardApplication {
  const faults = new Set(spec.faults ?? []);
  const card = spec.keys
    ? new ReferenceSecureElement({ iccid: spec.iccid, decryptionKeys: spec.keys.downlink, encryptionKeys: spec.keys.uplink, ...(spec.gba ? { gba: spec.gba } : {}), ...(spec.transfer ? { transfer: spec.transfer } : {}) }, faults)
    : referenceCardFor(spec.iccid, spec.faults);
  const m = spec.misbehaviour;
  if (!m) return { transmit: (apdu) => card.transmit(apdu), reset: () => card.reset() };
  let count = 0;
  return {
    reset: () => card.reset(),
    transmit: (apdu) => {
      count++;
      const answer = card.transmit(apdu);
      switch (m.kind) {
        case 'wrong-sw':
          return joinResponse(new Uint8Array(0), m.sw);
        case 'truncated':
          return answer.slice(0, 1);
        case 'silent':
          return count > m.afterCommands ? null : answer;
        case 'vanish':
          return count > m.afterCommands ? 'vanish' : answer;
      }
    },
  };
}
