/**
 * Typed errors of the protocol library. Each carries what was expected and what was found, so a lab engineer
 * can read the message without a debugger. Nothing below this module throws a bare Error for bad input.
 */

export abstract class ProtocolError extends Error {
  /** Stable machine-readable code (HEX_FORMAT, MALFORMED_PACKET, ...), shown by the CLI and the reference parties. */
  abstract readonly code: string;
  constructor(message: string, readonly expected?: string, readonly actual?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that is not hexadecimal, or not the number of bytes a field needs. */
export class HexFormatError extends ProtocolError {
  readonly code = 'HEX_FORMAT';
}

/** A packet whose bytes contradict its own length fields or is cut short. */
export class MalformedPacketError extends ProtocolError {
  readonly code = 'MALFORMED_PACKET';
  constructor(readonly field: string, message: string, expected?: string, actual?: string) {
    super(`${field}: ${message}`, expected, actual);
  }
}

/** An algorithm code that TS 102 225 reserves, or that this profile does not implement. */
export class UnsupportedAlgorithmError extends ProtocolError {
  readonly code = 'UNSUPPORTED_ALGORITHM';
  constructor(readonly field: 'SPI' | 'KIc' | 'KID', message: string, actual?: string) {
    super(`${field}: ${message}`, undefined, actual);
  }
}

/** A key whose length does not fit the algorithm its KIc/KID names. */
export class KeyLengthError extends ProtocolError {
  readonly code = 'KEY_LENGTH';
  constructor(readonly role: 'KIc' | 'KID', algorithm: string, expected: string, actual: number) {
    super(`${role} key for ${algorithm} must be ${expected} bytes, got ${actual}`, expected, String(actual));
  }
}

/** A key is needed (the packet is ciphered or carries a CC) but none was given. */
export class MissingKeyError extends ProtocolError {
  readonly code = 'MISSING_KEY';
  constructor(readonly role: 'KIc' | 'KID', why: string) {
    super(`${role} key required: ${why}`);
  }
}

/** The RC or CC of a packet does not match the one computed over its bytes. */
export class IntegrityCheckError extends ProtocolError {
  readonly code = 'INTEGRITY_CHECK_FAILED';
  constructor(kind: 'RC' | 'CC', expected: string, actual: string) {
    super(`${kind} mismatch: computed ${expected}, packet carries ${actual}`, expected, actual);
  }
}

/** Deciphered bytes that cannot be right (padding counter larger than the data, say). */
export class DecipherError extends ProtocolError {
  readonly code = 'DECIPHER_FAILED';
}
