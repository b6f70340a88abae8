/**
 * npm run bench, PC/SC part (issue 7 item 7): the time of one APDU through pcscd + vpcd beside the card alone,
 * and where it goes. All with SELECT of the OBF application (9000, no data, no GET RESPONSE), median of many:
 *   1. the reference SE in-process (its own processing);
 *   2. the virtual card (worker thread) over TCP from a stand-in for vpcd that writes each message at once:
 *      the card's transport cost without pcscd;
 *   3. the same stand-in writing the two-byte length and the APDU in two writes with Nagle on, as vpcd does;
 *   4. through pcscd + vpcd with the card on 127.0.0.1 (delayed ACKs on), and 5. on the quickack loopback route
 *      (adapters/pcsc/pcscd.ts), the way the tests run.
 */
import net from 'node:net';
import { ensurePcscd, holdVpcdReader, QUICKACK_HOST, VPCD_READERS } from '../adapters/pcsc/pcscd.ts';
import { openPcscSecureElement } from '../adapters/pcsc/pcsc-secure-element.ts';
import { referenceCardFor, startVirtualCard } from '../reference-impl/index.ts';
import { fromHex } from '../protocol/hex.ts';

const ICCID = '89910000000000000145';
const SELECT = fromHex('00A4040005F04F424601');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function perApdu(n: number, once: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(5, n); i++) await once();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** A stand-in for vpcd: accepts the card, sends framed APDUs, one at a time. */
async function standIn(host: string, twoWrites: boolean, n: number): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const card = startVirtualCard({ iccid: ICCID, vpcdPort: port, host });
  const socket = await accepted;
  socket.setNoDelay(!twoWrites);
  let buffer = Buffer.alloc(0);
  let waiting: (() => void) | null = null;
  socket.on('data', (c) => {
    buffer = Buffer.concat([buffer, c]);
    if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      buffer = buffer.subarray(2 + buffer.readUInt16BE(0));
      waiting?.();
    }
  });
  const once = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      const len = Buffer.alloc(2);
      len.writeUInt16BE(SELECT.length);
      if (twoWrites) {
        socket.write(len);
        socket.write(SELECT);
      } else socket.write(Buffer.concat([len, SELECT]));
    });
  try {
    return await perApdu(n, once);
  } finally {
    await card.close();
    socket.destroy();
    server.close();
  }
}

async function throughPcscd(index: number, host: string, n: number): Promise<number> {
  const held = await holdVpcdReader(index, 60_000);
  const card = startVirtualCard({ iccid: ICCID, vpcdPort: held.port, host });
  try {
    await card.connected(10_000);
    const se = await openPcscSecureElement({ reader: held.reader, timeoutMs: 5000 });
    try {
      return await perApdu(n, () => se.transmit(SELECT));
    } finally {
      await se.close();
    }
  } finally {
    await card.close();
    held.release();
  }
}

export async function pcscBench(): Promise<Record<string, number>> {
  console.log('\nPC/SC path (one SELECT APDU, median ms, lower is better)');
  let pcscd: { cardHost: string };
  try {
    pcscd = await ensurePcscd();
  } catch (e) {
    console.log(`  skipped: ${(e as Error).message}`);
    return {};
  }
  const card = referenceCardFor(ICCID);
  const inProcess = await perApdu(20_000, async () => card.transmit(SELECT));
  const oneWrite = await standIn('127.0.0.1', false, 500);
  const twoWrites = await standIn('127.0.0.1', true, 25);
  const plain = await throughPcscd(1, '127.0.0.1', 25);
  const quick = pcscd.cardHost === QUICKACK_HOST ? await throughPcscd(0, QUICKACK_HOST, 500) : NaN;
  const row = (what: string, ms: number) => console.log(`  ${what.padEnd(80)} ${Number.isNaN(ms) ? '     n/a' : ms.toFixed(4).padStart(8)} ms   ${Number.isNaN(ms) ? '' : `${(ms / inProcess).toFixed(0)}x`}`);
  row('reference SE in-process (the card alone)', inProcess);
  row('virtual card over TCP, message in one write (no pcscd)', oneWrite);
  row('virtual card over TCP, length and APDU in two writes, Nagle on (as vpcd)', twoWrites);
  row(`through pcscd + vpcd ('${VPCD_READERS[1].reader}'), card on 127.0.0.1`, plain);
  row(`through pcscd + vpcd ('${VPCD_READERS[0].reader}'), card on ${QUICKACK_HOST} (quickack route)`, quick);
  console.log('  where the time goes: vpcd sends the length and the APDU in two send() calls without TCP_NODELAY; the');
  console.log('  second waits for the ACK of the first, which the card\'s kernel delays by 40 ms (Linux delayed ACK).');
  console.log('  With ACKs sent at once (route option quickack) pcscd + vpcd + libpcsclite add the rest over the TCP hop.');
  return { pcscInProcessMs: inProcess, pcscTcpOneWriteMs: oneWrite, pcscTcpTwoWritesMs: twoWrites, pcscThroughPcscdMs: plain, pcscThroughPcscdQuickAckMs: quick };
}
