/** A command the reference SE refuses: transmit() answers the status word with no data (docs/profile/apdus.md). */
export class ApduError extends Error {
  constructor(readonly sw: number, message: string) {
    super(message);
  }
}
