/**
 * Misbehaving serial devices for the harness's own tests (issue 7 item 2): the reference device's AT interpreter
 * on one end of a pty pair, with one misbehaviour switched on after the adapter's opening handshake.
 */
import { SerialPort } from 'serialport';
import { AtInterpreter, ReferenceDevice, referenceCardFor } from '../reference-impl/index.ts';

export type SerialMisbehaviour =
  | 'none'
  /** Echoes every line, whatever ATE0 says. */
  | 'echo-always'
  /** Answers a line of random bytes instead of the information response. */
  | 'noise'
  /** Sends 5,000 bytes without a line end. */
  | 'noise-unterminated'
  /** Restarts (+OBFRDY) instead of answering. */
  | 'reset'
  /** Never answers. */
  | 'silent'
  /** Answers ERROR to the profile's commands. */
  | 'error'
  /** Answers +CME ERROR: 13 (SIM failure) to AT+CSIM. */
  | 'sim-failure';

export async function startMisbehavingSerial(ptyPath: string, iccid: string, misbehaviour: SerialMisbehaviour): Promise<{ heal(): void; close(): Promise<void> }> {
  const card = referenceCardFor(iccid);
  const link = async (apdu: Uint8Array) => card.transmit(apdu);
  const at = new AtInterpreter(new ReferenceDevice(link), link);
  const port = new SerialPort({ path: ptyPath, baudRate: 115200, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let mode = misbehaviour;
  let lines = 0;
  let pending = '';
  const send = (out: string[]) => port.write(out.map((l) => `\r\n${l}\r\n`).join(''));
  port.on('data', async (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let i: number;
    while ((i = pending.indexOf('\r')) >= 0) {
      const line = pending.slice(0, i).trim();
      pending = pending.slice(i + 1);
      if (!line) continue;
      lines++;
      const answer = await at.handle(line);
      // The first line is the adapter's handshake (ATE0): answered properly, so the adapter opens.
      const m = lines === 1 ? 'none' : mode;
      if (m === 'none') send(answer);
      else if (m === 'echo-always') send([line, ...answer]);
      else if (m === 'noise') send(['\u0013\u00ff#garbage%%', 'OK']);
      else if (m === 'noise-unterminated') port.write('x'.repeat(5000));
      else if (m === 'reset') send(['+OBFRDY']);
      else if (m === 'error') send(/^AT\+OBF/i.test(line) ? ['ERROR'] : answer);
      else if (m === 'sim-failure') send(/^AT\+CSIM/i.test(line) ? ['+CME ERROR: 13'] : answer);
      // silent: nothing
    }
  });
  return {
    heal: () => (mode = 'none'),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
