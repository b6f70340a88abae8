/**
 * Redundancy checks of ETSI TS 102 225 clause 5.1.2 (KID coded for RC).
 * CRC-32 is the ISO 3309 / zlib CRC; CRC-16 is the X.25 CRC (reflected polynomial 0x8408,
 * initial value and final XOR 0xFFFF). Known answers: CRC32(0102030405) = 470B99F4,
 * CRC16(0102030405) = 22EC (TapuGithub/gsm0348 CRC32Test / CRC16X25Test).
 */

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc16X25(data: Uint8Array): Uint8Array {
  let crc = 0xffff;
  for (const b of data) crc = (crc >>> 8) ^ CRC16_TABLE[(crc ^ b) & 0xff];
  crc ^= 0xffff;
  return Uint8Array.of(crc >>> 8, crc & 0xff);
}

export function crc32(data: Uint8Array): Uint8Array {
  let crc = 0xffffffff;
  for (const b of data) crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ b) & 0xff];
  crc = (crc ^ 0xffffffff) >>> 0;
  return Uint8Array.of(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff);
}
