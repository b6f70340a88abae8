/**
 * Public entry of the reference implementation: the only module outside reference-impl/ may import
 * (adapters/reference/ does; scripts/check-boundaries.ts enforces it). It builds the Appendix B parties as a
 * vendor ships them: an SE answering APDUs, a device talking to its SE over APDUs, an Application Server on HTTP;
 * and the GBA-based servers of clause 6: an Authentication Server (BSF role: RPB, RPO) and a Resource Server
 * (rights, RPR), on HTTP.
 */
export { ReferenceSecureElement, type SecureElementPersonalisation } from './secure-element/secure-element.ts';
export { type GbaPersonalisation } from './secure-element/gba.ts';
export { ReferenceEuicc, type EuiccPersonalisation } from './secure-element/euicc.ts';
export { CardMemoryError } from './secure-element/card-memory.ts';
export { ReferenceDevice, DeviceSeError, type ApduLink, type DeviceState, type DownlinkOutcome } from './device/device.ts';
export { startApplicationServer, type RunningServer } from './application-server/http-server.ts';
export { startAuthenticationServer, type AuthenticationServerOptions } from './authentication-server/http-server.ts';
export { startResourceServer, type ResourceServerOptions } from './resource-server/resource-server.ts';
export { DataFileError } from './storage/database.ts';
export { FAULTS, isFaultName, type FaultName, type FaultInfo, type FaultSet } from './faults.ts';
export { startVirtualCard, referenceCardFor, VIRTUAL_CARD_ATR, VPCD_PORT, type VirtualCard, type VirtualCardOptions, type CardSpec, type CardMisbehaviour } from './secure-element/virtual-card.ts';
export { startSerialDevice, type RunningSerialDevice, type SerialDeviceOptions } from './device/serial-device.ts';
export { AtInterpreter } from './device/at-interface.ts';
export { referenceTestKeys, DEFAULT_KEY_SEED, REFERENCE_IMPI_DOMAIN, type ReferenceTestKeys } from './test-keys.ts';
