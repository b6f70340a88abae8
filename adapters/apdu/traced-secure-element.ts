/**
 * The one base every APDU passes through: validates the response shape, records both directions with the status
 * word decoded, and turns a silent card into Inconclusive. Transports (in-process reference card, PC/SC) plug in below.
 */
import { describeApdu, describeSw } from '../../protocol/iso-7816.ts';
import { toHex } from '../../protocol/hex.ts';
import { Inconclusive, NonConformance } from '../../harness/verdicts.ts';
import type { Trace } from '../trace.ts';
import { nameOfCommand } from './apdu-names.ts';
import type { ApduResult, SecureElementAdapter } from '../types.ts';

/** Raw transport: command APDU bytes in, response bytes (data || SW1 SW2) out. */
export type ApduTransport = (apdu: Uint8Array) => Promise<Uint8Array>;

export class TracedSecureElement implements SecureElementAdapter {
  constructor(
    private readonly transport: ApduTransport,
    private readonly link: string,
    private readonly trace: () => Trace | null,
    private readonly timeoutMs: number,
  ) {}

  async transmit(apdu: Uint8Array): Promise<ApduResult> {
    const trace = this.trace();
    const name = nameOfCommand(apdu);
    trace?.record('apdu', '>>', this.link, `${name ? `${name}: ` : ''}${describeApdu(apdu)}`);
    let timer: NodeJS.Timeout | undefined;
    let response: Uint8Array;
    try {
      response = await Promise.race([
        this.transport(apdu),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Inconclusive(`${this.link}: no response within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
    } catch (e) {
      trace?.record('apdu', '<<', this.link, `no response: ${(e as Error).message}`);
      // A transport that judged the answer itself (a PC/SC adapter seeing a wrong ATR) keeps its verdict.
      if (e instanceof Inconclusive || e instanceof NonConformance) throw e;
      throw new Inconclusive(`${this.link}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (response.length < 2) {
      trace?.record('apdu', '<<', this.link, `malformed response ${toHex(response)}`);
      throw new NonConformance(`${this.link}: response APDU shorter than its status word`, '>= 2 bytes', `${response.length} bytes`);
    }
    const sw = (response[response.length - 2] << 8) | response[response.length - 1];
    const data = response.slice(0, -2);
    trace?.record('apdu', '<<', this.link, `${data.length ? toHex(data) + ' ' : ''}SW ${describeSw(sw)}`);
    return { data, sw };
  }
}
