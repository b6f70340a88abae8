/**
 * Every requirement and function of the OBF draft (ITU-T Q16/13 living list, March 2019) that the suite
 * certifies against, keyed by the tag a scenario carries. Reports list all of them, so a clause with no
 * scenario yet shows as "not covered" instead of disappearing.
 */

export type RequirementArea = 'requirements' | 'reference points' | 'mechanisms' | 'Appendix B functions' | 'security properties';

export interface Requirement {
  /** Tag without '@', e.g. OBF-B.2.2.3.2. */
  id: string;
  clause: string;
  title: string;
  area: RequirementArea;
}

const r = (id: string, clause: string, title: string, area: RequirementArea): Requirement => ({ id, clause, title, area });

export const REQUIREMENTS: readonly Requirement[] = [
  r('OBF-6.3.1-a', '6.3.1 a)', 'Provider neutrality: TSP, M2MSP and ASP neutral; users move freely between them', 'requirements'),
  r('OBF-6.3.1-b', '6.3.1 b)', 'Devices use the authentication service of a new TSP/M2MSP', 'requirements'),
  r('OBF-6.3.1-c', '6.3.1 c)', 'Process to transfer key data to a new TSP/M2MSP/ASP', 'requirements'),
  r('OBF-6.3.1-d', '6.3.1 d)', 'An M2MSP or ASP may act as the authentication provider', 'requirements'),
  r('OBF-6.3.1-e', '6.3.1 e)', 'eSIM subscription change: M2MSPs and ASPs are told the new Authentication Server', 'requirements'),
  r('OBF-6.3.1-f', '6.3.1 f)', 'Several beneficiaries each control the security of a limited part of the device data', 'requirements'),
  r('OBF-6.3.1-g', '6.3.1 g)', 'Applications outside the operator domain authenticate devices through OBF', 'requirements'),
  r('OBF-6.3.1-h', '6.3.1 h)', 'Beneficiaries work at the same time without compromising or disturbing one another', 'requirements'),
  r('OBF-6.1', '6.1', 'Key material restricted to Application Servers according to the rights in the Resource Server; lifetime by the Authentication Server\'s policy', 'requirements'),
  r('OBF-6.4.2-RPB', '3.2 vii, 6.4.2', 'RPB: Secure Element <-> Authentication Server mutual authentication and key bootstrap', 'reference points'),
  r('OBF-6.4.2-RPO', '3.2 vi, 6.4.2', 'RPO: Application Server fetches key material and user security settings', 'reference points'),
  r('OBF-6.4.2-RPR', '3.2 v, 6.4.2', 'RPR: Authentication Server fetches resource rights of a device', 'reference points'),
  r('OBF-6.4.2-RPA', '3.2 viii, 6.4.2', 'RPA: application protocol secured with the bootstrapped key material', 'reference points'),
  r('OBF-6.4.3-a', '6.4.3 a)', 'Transfer of the authentication provider (public keys only, signed by the old provider)', 'mechanisms'),
  r('OBF-B.2.2.1.1', 'B.2.2.1.1', 'Device: validateChecksum', 'Appendix B functions'),
  r('OBF-B.2.2.1.2', 'B.2.2.1.2', 'Device: getDecryptedDataFromSE', 'Appendix B functions'),
  r('OBF-B.2.2.1.3', 'B.2.2.1.3', 'Device: getEncryptedDataFromSE', 'Appendix B functions'),
  r('OBF-B.2.2.2.1', 'B.2.2.2.1', 'Secure Element: seDecryptData', 'Appendix B functions'),
  r('OBF-B.2.2.2.2', 'B.2.2.2.2', 'Secure Element: seEncryptData', 'Appendix B functions'),
  r('OBF-B.2.2.3.1', 'B.2.2.3.1', 'Application Server: importKey', 'Appendix B functions'),
  r('OBF-B.2.2.3.2', 'B.2.2.3.2', 'Application Server: decryptData', 'Appendix B functions'),
  r('OBF-B.2.2.3.3', 'B.2.2.3.3', 'Application Server: encryptData', 'Appendix B functions'),
  r('OBF-B.2.3', 'B.2.3', 'Application Server to device sample packet', 'Appendix B functions'),
  r('OBF-B.2-up-1', 'B.2 (device to server) 1', 'Application Server identifies the device correctly', 'security properties'),
  r('OBF-B.2-up-2', 'B.2 (device to server) 2', 'Application Server checks data integrity', 'security properties'),
  r('OBF-B.2-up-3', 'B.2 (device to server) 3', 'Application Server detects replay', 'security properties'),
  r('OBF-B.2-up-4', 'B.2 (device to server) 4', 'No one between device and server reads the data', 'security properties'),
  r('OBF-B.2-down-1', 'B.2 (server to device) 1', 'Device identifies that the command comes from the authorised Application Server', 'security properties'),
  r('OBF-B.2-down-2', 'B.2 (server to device) 2', 'Device checks data integrity', 'security properties'),
  r('OBF-B.2-down-3', 'B.2 (server to device) 3', 'Device detects replay', 'security properties'),
  r('OBF-B.2-down-4', 'B.2 (server to device) 4', 'No one between server and device reads the command', 'security properties'),
];

export const REQUIREMENT_TAG = /^@?(OBF-[A-Za-z0-9.\-]+)$/;
export const TEST_PURPOSE_TAG = /^@?(TP\/OBF\/[A-Za-z0-9/\-]+)$/;
