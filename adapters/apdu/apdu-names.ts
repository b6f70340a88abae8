/** Names of the profile's command APDUs, so an evidence trace reads "AUTHENTICATE (GBA bootstrap)" and not only hex. */

const BY_INS: Record<number, string> = {
  0xa4: 'SELECT',
  0xb0: 'READ BINARY',
  0xd6: 'UPDATE BINARY',
  0x88: 'AUTHENTICATE',
  0x5a: 'DECRYPT DATA (seDecryptData)',
  0x5c: 'ENCRYPT DATA (seEncryptData)',
  0x5e: 'INSTALL RPA KEYSET (NAF_Id)',
  0x7a: 'GET TRANSFER DATA (6.4.3 a)',
  0x7c: 'TRANSFER PROVIDER (6.4.3 a)',
};

export function nameOfCommand(apdu: Uint8Array): string | null {
  if (apdu.length < 4) return null;
  const name = BY_INS[apdu[1]];
  if (!name) return null;
  if (apdu[1] === 0x88 && apdu[3] === 0x84 && apdu.length > 5) {
    if (apdu[5] === 0xdd) return 'AUTHENTICATE (GBA bootstrap: RAND, AUTN)';
    if (apdu[5] === 0xde) return 'AUTHENTICATE (GBA NAF derivation: NAF_Id, IMPI)';
  }
  return name;
}
