/**
 * The terminal's side of T=0 status words (ISO/IEC 7816-3 10.3.5, ETSI TS 102 221 7.3.1.1.4): 61 xx means xx
 * response bytes wait for GET RESPONSE; 6C xx means "send the command again with Le = xx". A card reached over
 * PC/SC with T=0 (or through AT+CSIM, 3GPP TS 27.007 8.17, which passes status words through) answers this way,
 * so every raw transport goes through here before the one traced response is returned.
 */
import { toHex } from '../../protocol/hex.ts';
import type { ApduTransport } from './traced-secure-element.ts';

/** More rounds than any short response needs (256 bytes in chunks); a card that keeps asking is broken. */
const MAX_ROUNDS = 16;

export interface T0Hooks {
  /** Each extra exchange the terminal makes (GET RESPONSE, re-sent command), for the evidence trace. */
  onExchange?(command: Uint8Array, response: Uint8Array): void;
}

export function withT0Handling(raw: ApduTransport, hooks: T0Hooks = {}): ApduTransport {
  return async (apdu) => {
    let response = await raw(apdu);
    let collected: number[] = [];
    for (let round = 0; round < MAX_ROUNDS && response.length >= 2; round++) {
      const sw1 = response[response.length - 2];
      const sw2 = response[response.length - 1];
      let next: Uint8Array;
      if (sw1 === 0x61) {
        collected = collected.concat([...response.subarray(0, -2)]);
        next = Uint8Array.of(apdu[0] & 0x03, 0xc0, 0x00, 0x00, sw2);
      } else if (sw1 === 0x6c && round === 0 && apdu.length >= 5) {
        next = Uint8Array.from([...apdu.subarray(0, apdu.length - 1), sw2]);
      } else break;
      response = await raw(next);
      hooks.onExchange?.(next, response);
    }
    if (!collected.length) return response;
    return Uint8Array.from([...collected, ...response]);
  };
}

export function describeT0(command: Uint8Array, response: Uint8Array): string {
  return `${command[1] === 0xc0 ? 'GET RESPONSE' : 'command re-sent with Le from 6Cxx'}: ${toHex(command)} -> ${toHex(response)}`;
}
