/**
 * The PC/SC adapter against real pcscd + vpcd, with the reference card and misbehaving cards in the virtual reader
 * (issue 5 item 2, issue 7 item 2): T=0 GET RESPONSE and 6Cxx, the ATR check, and the verdict each misbehaviour
 * must give, within the timeout plus a small margin. Starts pcscd when it is not running (root, as in CI).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Context, SCARD_STATE_PRESENT } from 'smartcard';
import { ensurePcscd, holdVpcdReader } from '../adapters/pcsc/pcscd.ts';
import { openPcscSecureElement, type PcscSecureElement } from '../adapters/pcsc/pcsc-secure-element.ts';
import { Trace } from '../adapters/trace.ts';
import { startVirtualCard, type CardSpec, type VirtualCard } from '../reference-impl/index.ts';
import { readIccid, selectObf, encryptDataApdu } from '../harness/se-commands.ts';
import { HarnessError, Inconclusive, NonConformance } from '../harness/verdicts.ts';
import { withTck } from '../protocol/iso-7816-atr.ts';
import { fromHex, toHex } from '../protocol/hex.ts';

const ICCID = '89910000000000000145';
const TIMEOUT = 600;
/** Verdicts must come within the timeout plus this (issue 7 item 2). */
const MARGIN = 1500;

let reader = '';
let host = '127.0.0.1';
let card: VirtualCard;
let release = () => {};
const opened: PcscSecureElement[] = [];

async function open(extra: { expectedAtr?: string; trace?: Trace } = {}): Promise<PcscSecureElement> {
  const trace = extra.trace;
  const se = await openPcscSecureElement({ reader, timeoutMs: 3000, expectedAtr: extra.expectedAtr, ...(trace ? { trace: () => trace } : {}) });
  opened.push(se);
  return se;
}

/** Put `spec` in the reader and wait until pcscd sees a card there. */
async function insert(spec: CardSpec): Promise<void> {
  card.insert(spec);
  await card.connected(5000);
}

/** Pull the card and wait until pcscd has noticed (it polls the reader). */
async function pull(): Promise<void> {
  card.remove();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const c = new Context();
    const present = c.listReaders().find((r) => r.name === reader)!.state & SCARD_STATE_PRESENT;
    c.close();
    if (!present) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('pcscd did not notice the removal');
}

async function closeAll(): Promise<void> {
  for (const se of opened.splice(0)) await se.close();
}

async function elapsed(p: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t = Date.now();
  try {
    await p;
    return { error: null, ms: Date.now() - t };
  } catch (e) {
    return { error: e, ms: Date.now() - t };
  }
}

describe('PC/SC secure element adapter over pcscd + vpcd', { timeout: 120_000 }, () => {
  before(async () => {
    host = (await ensurePcscd()).cardHost;
    const held = await holdVpcdReader(0, 90_000);
    reader = held.reader;
    release = held.release;
    card = startVirtualCard({ iccid: ICCID, vpcdPort: held.port, host });
    await card.connected(10_000);
  });

  after(async () => {
    await closeAll();
    await card?.close();
    release();
  });

  test('the reference card: ATR, T=0 GET RESPONSE for case 4, 6Cxx for a wrong Le, EF_ICCID, all traced', async () => {
    await insert({ iccid: ICCID });
    const trace = new Trace();
    const se = await open({ trace });
    assert.equal(toHex(se.atr), '3B8B801FC78031E0674F42462D524546D2');
    assert.equal(await readIccid(se), ICCID);
    await selectObf(se);
    const r = await se.transmit(encryptDataApdu(new TextEncoder().encode('$HLM'), 1, true));
    assert.equal(r.sw, 0x9000);
    assert.ok(r.data.length > 20);
    // READ BINARY of the 10-byte EF_ICCID with Le = 00 (256): the T=0 card says 6C0A, the adapter re-sends.
    await se.transmit(fromHex('00A4000C022FE2'));
    const rb = await se.transmit(fromHex('00B0000000'));
    assert.equal(rb.sw, 0x9000);
    assert.equal(rb.data.length, 10);
    // A warm reset (SCardReconnect, SCARD_RESET_CARD) reaches the card: the OBF application is no longer selected.
    await selectObf(se);
    await se.reset();
    assert.equal((await se.transmit(encryptDataApdu(new TextEncoder().encode('$HLM'), 1, true))).sw, 0x6a82);
    const text = trace.render();
    assert.match(text, /ATR 3B8B801FC78031E0674F42462D524546D2, protocol T=0/);
    assert.match(text, /T=0 GET RESPONSE: 00C00000/);
    assert.match(text, /T=0 command re-sent with Le from 6Cxx: 00B000000A/);
    await closeAll();
  });

  test('a card answering a wrong status word: the harness step fails (NonConformance)', async () => {
    await insert({ iccid: ICCID, misbehaviour: { kind: 'wrong-sw', sw: 0x6f00 } });
    const se = await open();
    await assert.rejects(readIccid(se), (e: unknown) => e instanceof NonConformance && /SELECT EF_ICCID failed: expected 9000, actual 6F00/.test(e.message));
    await closeAll();
  });

  test('a truncated response (shorter than a status word): NonConformance', async () => {
    await insert({ iccid: ICCID, misbehaviour: { kind: 'truncated' } });
    const se = await open();
    await assert.rejects(se.transmit(fromHex('00A4040005F04F424601')), (e: unknown) => e instanceof NonConformance && /shorter than its status word/.test(e.message));
    await closeAll();
  });

  test('a card that stops answering: Inconclusive within the timeout, later commands at once, close does not hang', async () => {
    await insert({ iccid: ICCID, misbehaviour: { kind: 'silent', afterCommands: 1 } });
    const se = await openPcscSecureElement({ reader, timeoutMs: TIMEOUT });
    await selectObf(se);
    const first = await elapsed(se.transmit(fromHex('00A4040005F04F424601')));
    assert.ok(first.error instanceof Inconclusive && /no response within 600 ms/.test(first.error.message), String(first.error));
    assert.ok(first.ms < TIMEOUT + MARGIN, `${first.ms} ms`);
    const second = await elapsed(se.transmit(fromHex('00A4040005F04F424601')));
    assert.ok(second.error instanceof Inconclusive && /stopped answering earlier/.test(second.error.message));
    assert.ok(second.ms < 100);
    const closing = await elapsed(se.close());
    assert.ok(closing.ms < 1500, `close took ${closing.ms} ms`);
    // Pull the silent card: vpcd's read fails and pcscd frees the reader.
    await pull();
  });

  test('a card pulled out of the reader mid-run: Inconclusive (removed) within the timeout', async () => {
    await insert({ iccid: ICCID, misbehaviour: { kind: 'vanish', afterCommands: 1 } });
    const se = await openPcscSecureElement({ reader, timeoutMs: 3000 });
    opened.push(se);
    await selectObf(se);
    const r = await elapsed(se.transmit(fromHex('00A4040005F04F424601')));
    assert.ok(r.error instanceof Inconclusive && /gave no answer|removed/.test(r.error.message), String(r.error));
    assert.ok(r.ms < 3000 + MARGIN, `${r.ms} ms`);
    await closeAll();
    await pull();
  });

  test('no card in the reader, and a reader that is not there: Inconclusive naming what is present', async () => {
    await pull();
    const none = await elapsed(openPcscSecureElement({ reader, timeoutMs: 400 }));
    assert.ok(none.error instanceof Inconclusive && /no card in reader/.test(none.error.message), String(none.error));
    assert.ok(none.ms < 400 + MARGIN);
    const absent = await elapsed(openPcscSecureElement({ reader: 'No Such Reader 00 00', timeoutMs: 200 }));
    assert.ok(absent.error instanceof Inconclusive && /no reader 'No Such Reader 00 00' \(readers present: .*Virtual PCD 00 00/.test(absent.error.message), String(absent.error));
  });

  test('an ATR that ISO/IEC 7816-3 forbids is a NonConformance; another card than the declared one a HarnessError', async () => {
    const atrCard = startVirtualCard({ iccid: ICCID, vpcdPort: card.vpcdPort, host, atr: Uint8Array.of(0x3b, 0x80, 0x01) });
    try {
      await atrCard.connected(5000);
      await assert.rejects(openPcscSecureElement({ reader, timeoutMs: 3000 }), (e: unknown) => e instanceof NonConformance && /ATR ISO\/IEC 7816-3 forbids/.test(e.message));
    } finally {
      await atrCard.close();
    }
    await pull();
    await insert({ iccid: ICCID });
    await assert.rejects(open({ expectedAtr: toHex(withTck(Uint8Array.of(0x3b, 0x80, 0x01))) }), (e: unknown) => e instanceof HarnessError && /not the one the target declares/.test(e.message));
    await closeAll();
  });
});
