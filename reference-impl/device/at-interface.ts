/**
 * The reference device's AT command interpreter (docs/profile/at-commands.md): what a vendor's modem firmware
 * does with one command line. AT+CSIM passes an APDU to the SE unchanged (3GPP TS 27.007 8.17); the OBF commands
 * drive the device's B.2.2.1 functions. Pure of I/O: a line in, the response lines out.
 */
import { CME, formatAtResponse, parseAtCommand, AtSyntaxError, type AtCommand, type AtResponse } from '../../protocol/at-commands.ts';
import { toHex } from '../../protocol/hex.ts';
import { DeviceSeError, type ApduLink, type ReferenceDevice } from './device.ts';

export class AtInterpreter {
  /** V.250 E: the reference starts with echo off, so a terminal gets answers only (ATE1 turns it on). */
  echo = false;

  constructor(private readonly device: ReferenceDevice, private readonly se: ApduLink) {}

  /** Answer one command line: the echo (if on), information responses, then exactly one final result code. */
  async handle(line: string): Promise<string[]> {
    const out: string[] = this.echo ? [line] : [];
    let command: AtCommand;
    try {
      command = parseAtCommand(line);
    } catch (e) {
      if (!(e instanceof AtSyntaxError)) throw e;
      // V.250: a command the device does not know is ERROR; a known one with bad parameters, +CME ERROR: 50.
      const known = /^AT(\+CSIM|\+OBFDL|\+OBFUL)=/i.test(line);
      out.push(formatAtResponse(known ? { kind: 'cme-error', code: CME.INCORRECT_PARAMETERS } : { kind: 'error' }));
      return out;
    }
    for (const r of await this.execute(command)) out.push(formatAtResponse(r));
    return out;
  }

  private async execute(c: AtCommand): Promise<AtResponse[]> {
    const ok: AtResponse = { kind: 'ok' };
    switch (c.kind) {
      case 'attention':
        return [ok];
      case 'reset':
        this.echo = false;
        return [ok];
      case 'echo':
        this.echo = c.on;
        return [ok];
      case 'csim': {
        let response: Uint8Array;
        try {
          response = await this.se(c.apdu);
        } catch {
          return [{ kind: 'cme-error', code: CME.SIM_FAILURE }];
        }
        const hex = toHex(response);
        return [{ kind: 'info', name: '+CSIM', params: [hex.length, hex] }, ok];
      }
      case 'downlink': {
        const o = await this.device.receiveDownlink(c.packet);
        const params: Array<string | number> = [o.accepted ? 1 : 0, o.stage, o.sw ?? '', o.reason];
        if (o.command !== undefined) params.push(o.command);
        return [{ kind: 'info', name: '+OBFDL', params }, ok];
      }
      case 'uplink':
        try {
          const packet = await this.device.getEncryptedDataFromSE(c.data, c.keyIndex, c.replayCheck);
          return [{ kind: 'info', name: '+OBFUL', params: [1, toHex(packet)] }, ok];
        } catch (e) {
          if (!(e instanceof DeviceSeError)) return [{ kind: 'cme-error', code: CME.SIM_FAILURE }];
          return [{ kind: 'info', name: '+OBFUL', params: [0, toHex(Uint8Array.of(e.sw >> 8, e.sw & 0xff)), e.message] }, ok];
        }
      case 'state': {
        const s = this.device.snapshot();
        return [{ kind: 'info', name: '+OBFSTATE', params: [s.ip1?.host ?? '', s.ip1?.port ?? 0, s.ip2?.host ?? '', s.ip2?.port ?? 0, s.commandsExecuted] }, ok];
      }
    }
  }
}
