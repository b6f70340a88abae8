/**
 * The AT-line codec (protocol/at-commands.ts) and the ATR parser (protocol/iso-7816-atr.ts): every command and
 * response of docs/profile/at-commands.md round-trips; malformed lines are AtSyntaxError / MalformedPacketError
 * with expected and actual, never another exception; the reference device's interpreter answers every line with
 * exactly one final result code.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AtSyntaxError, formatAtCommand, formatAtResponse, parseAtCommand, parseAtResponse, parseParams, quoteAt, type AtCommand } from '../protocol/at-commands.ts';
import { parseAtr, withTck } from '../protocol/iso-7816-atr.ts';
import { MalformedPacketError } from '../protocol/errors.ts';
import { toHex } from '../protocol/hex.ts';
import { AtInterpreter, ReferenceDevice, VIRTUAL_CARD_ATR, referenceCardFor } from '../reference-impl/index.ts';

describe('AT command lines', () => {
  const commands: AtCommand[] = [
    { kind: 'attention' },
    { kind: 'reset' },
    { kind: 'echo', on: true },
    { kind: 'echo', on: false },
    { kind: 'state' },
    { kind: 'csim', apdu: Uint8Array.from([0x00, 0xa4, 0x04, 0x00, 0x05, 0xf0, 0x4f, 0x42, 0x46, 0x01]) },
    { kind: 'downlink', packet: Uint8Array.from([0x02, 0x70, 0x00, 0x00, 0x28]) },
    { kind: 'uplink', keyIndex: 2, replayCheck: true, data: new TextEncoder().encode('$HLM') },
  ];
  for (const c of commands) {
    test(`${formatAtCommand(c)} round-trips`, () => assert.deepEqual(parseAtCommand(formatAtCommand(c)), c));
  }

  test('the documented syntax, byte for byte', () => {
    assert.equal(formatAtCommand(commands[5]), 'AT+CSIM=20,"00A4040005F04F424601"');
    assert.equal(formatAtCommand(commands[7]), 'AT+OBFUL=2,1,"24484C4D"');
    assert.deepEqual(parseAtCommand('at+csim=4,"00a4"'.replace('00a4', '00A40400').replace('=4', '=8')), { kind: 'csim', apdu: Uint8Array.of(0, 0xa4, 4, 0) });
  });

  const malformed: Array<[string, RegExp]> = [
    ['', /not a command line/],
    ['HELLO', /not a command line/],
    ['AT+FOO=1', /unknown command/],
    ['AT+CSIM=10,"00A4"', /length is not the number of hex characters/],
    ['AT+CSIM=3,"00A"', /even number of hex digits/],
    ['AT+CSIM=4,"00A4"', /at least 4 bytes/],
    ['AT+CSIM="00A40400"', /wrong parameters/],
    ['AT+CSIM=8,"00A40400', /unterminated string/],
    ['AT+OBFDL=""', /empty packet/],
    ['AT+OBFDL=', /neither a number nor a string/],
    ['AT+OBFUL=0,1,"00"', /key index out of range/],
    ['AT+OBFUL=1,2,"00"', /replay flag/],
    ['AT+OBFUL=1,1,"00",', /trailing comma/],
    ['AT+OBFUL=1;1,"00"', /separated by commas/],
    ['AT+OBFDL="\\G1"', /bad escape/],
    [`AT+OBFDL="${'00'.repeat(600)}"`, /line too long/],
  ];
  for (const [line, why] of malformed) {
    test(`malformed: ${JSON.stringify(line.slice(0, 30))}`, () => {
      assert.throws(() => parseAtCommand(line), (e: unknown) => e instanceof AtSyntaxError && why.test(e.message) && e.code === 'AT_SYNTAX' && e.expected !== undefined);
    });
  }

  test('random lines give a command or an AtSyntaxError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }).map((s) => `AT+OBFUL=${s}`), fc.string({ maxLength: 60 }).map((s) => `AT+CSIM=${s}`)), (line) => {
        try {
          parseAtCommand(line);
        } catch (e) {
          if (!(e instanceof AtSyntaxError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});

describe('AT response lines', () => {
  test('final result codes, +CME ERROR, information responses, +OBFRDY', () => {
    assert.deepEqual(parseAtResponse('OK'), { kind: 'ok' });
    assert.deepEqual(parseAtResponse('ERROR'), { kind: 'error' });
    assert.deepEqual(parseAtResponse('+CME ERROR: 50'), { kind: 'cme-error', code: 50 });
    assert.deepEqual(parseAtResponse('+OBFRDY'), { kind: 'ready' });
    assert.deepEqual(parseAtResponse('+CSIM: 4,"9000"'), { kind: 'info', name: '+CSIM', params: [4, '9000'] });
  });

  test('strings with quotes, backslashes and control characters survive quoting', () => {
    const text = 'a "quoted" \\ reason\r\n é';
    const line = formatAtResponse({ kind: 'info', name: '+OBFDL', params: [0, 'checksum', '', text] });
    assert.ok(!/[\r\n]/.test(line));
    assert.deepEqual(parseAtResponse(line), { kind: 'info', name: '+OBFDL', params: [0, 'checksum', '', text] });
    assert.equal(quoteAt('"'), '"\\22"');
  });

  for (const line of ['ok', '+CME ERROR: x', '+csim: 4,"9000"', 'garbage \u0001\u0002', '+CSIM 4,"9000"', '+CSIM: 4,"9000', '+CSIM: 4,,1']) {
    test(`not a response line: ${JSON.stringify(line)}`, () => assert.throws(() => parseAtResponse(line), AtSyntaxError));
  }

  test('parameter lists', () => {
    assert.deepEqual(parseParams('1,"a,b",22'), [1, 'a,b', 22]);
    assert.throws(() => parseParams('1,,2'), AtSyntaxError);
  });
});

describe('the reference device interpreter', () => {
  const iccid = '89910000000000000145';
  const card = referenceCardFor(iccid);
  const link = async (apdu: Uint8Array) => card.transmit(apdu);
  const at = new AtInterpreter(new ReferenceDevice(link), link);

  test('one final result code per line, whatever the line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('AT', 'ATZ', 'AT+OBFSTATE?', 'AT+CSIM=8,"00A40400"', 'AT+OBFUL=1,1,"41"', 'AT+OBFDL="00"')), async (line) => {
        const out = await at.handle(line);
        const finals = out.filter((l) => l === 'OK' || l === 'ERROR' || l.startsWith('+CME ERROR: '));
        assert.equal(finals.length, 1, `${JSON.stringify(line)} -> ${JSON.stringify(out)}`);
        assert.equal(out[out.length - 1], finals[0]);
        for (const l of out) parseAtResponse(l);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  test('unknown command ERROR, bad parameters +CME ERROR: 50, AT+CSIM passes the APDU through', async () => {
    assert.deepEqual(await at.handle('AT+FOO'), ['ERROR']);
    assert.deepEqual(await at.handle('AT+CSIM=3,"00A"'), ['+CME ERROR: 50']);
    assert.deepEqual(await at.handle('AT+CSIM=20,"00A4040005F04F424601"'), ['+CSIM: 4,"9000"', 'OK']);
    // Echo follows the setting in force when the line arrived (V.250 6.2.4).
    assert.deepEqual(await at.handle('ATE1'), ['OK']);
    assert.deepEqual(await at.handle('AT'), ['AT', 'OK']);
    assert.deepEqual(await at.handle('ATE0'), ['ATE0', 'OK']);
  });
});

describe('ATR (ISO/IEC 7816-3 8)', () => {
  test('the virtual card ATR: T=0 with T=15 global bytes, TCK checks', () => {
    assert.equal(toHex(VIRTUAL_CARD_ATR), '3B8B801FC78031E0674F42462D524546D2');
    const atr = parseAtr(VIRTUAL_CARD_ATR);
    assert.deepEqual(atr.protocols, [0]);
    assert.equal(Buffer.from(atr.historical.slice(4)).toString('latin1'), 'OBF-REF');
  });

  test('T=0 only: no TCK; T=1: TCK required', () => {
    assert.deepEqual(parseAtr(Uint8Array.of(0x3b, 0x02, 0x41, 0x42)).protocols, [0]);
    assert.deepEqual(parseAtr(withTck(Uint8Array.of(0x3b, 0x80, 0x01))).protocols, [1]);
  });

  const bad: Array<[string, number[]]> = [
    ['empty', []],
    ['wrong TS', [0x3a, 0x00]],
    ['historical bytes missing', [0x3b, 0x05, 0x41]],
    ['TD announced, missing', [0x3b, 0x80]],
    ['TCK wrong', [0x3b, 0x80, 0x01, 0x00]],
    ['TCK missing with T=1', [0x3b, 0x80, 0x01]],
    ['extra byte with T=0 only', [0x3b, 0x00, 0x00]],
  ];
  for (const [what, bytes] of bad) {
    test(`malformed ATR: ${what}`, () => assert.throws(() => parseAtr(Uint8Array.from(bytes)), MalformedPacketError));
  }
});
