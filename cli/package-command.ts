/**
 * `package`, `verify` and `keys generate`: the signed results package (reports/results-package.ts) and the lab's
 * Ed25519 keys (reports/signing.ts). A regulator needs only the harness, the package and the lab's public key.
 */
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UsageError, EXIT } from './usage-error.ts';
import { parseCommandArgs, printable } from './args.ts';
import { generateKeyPair, KeyFileError, readPrivateKey, readPublicKey } from '../reports/signing.ts';
import { buildPackage, PackageError, verifyPackage } from '../reports/results-package.ts';

const PACKAGE_HELP = `Usage: obf-conformance package --key <lab-private-key> <run-dir> --out <file>

Write one signed archive of a run folder: certification.json/.html, junit.xml, allure-results/
(with the evidence traces), the message stream, target.masked.yaml, capabilities.json, waivers.yaml,
a manifest of SHA-256 digests (manifest.json) and its Ed25519 signature (manifest.sig).
The archive is a plain ustar file: 'tar -tf <file>' lists it. Check it with 'obf-conformance verify'.`;

const VERIFY_HELP = `Usage: obf-conformance verify <file> --pub <lab-public-key>

Check a results package offline: the signature of its manifest with the lab's public key, and the
SHA-256 digest of every file. Exit code 0 only when everything holds; 1 names every changed, missing
or added file; 2 bad usage.`;

const KEYS_HELP = `Usage: obf-conformance keys generate --out <prefix>

Generate a lab's Ed25519 key pair: <prefix>.key (private, PKCS#8 PEM, file mode 0600; keep it
secret) and <prefix>.pub (public, SPKI PEM; give it to whoever verifies your packages).`;

function readFileOrUsage(file: string, what: string, command: string): string {
  if (!existsSync(file)) throw new UsageError(`${command}: ${what} ${file} does not exist`);
  if (!statSync(file).isFile()) throw new UsageError(`${command}: ${what} ${file} is not a file`);
  return readFileSync(file, 'latin1');
}

function keyOrUsage<T>(command: string, file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof KeyFileError) throw new UsageError(`${command}: ${file}: ${e.message}`);
    throw e;
  }
}

/** Writes a new file with the given mode; refuses to replace one (a lab key must never be overwritten by mistake). */
function writeNew(file: string, content: string | Uint8Array, mode: number, command: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'wx', mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `${command}: ${file} already exists; choose another name or remove it` : `${command}: cannot write ${file}: ${code ?? (e as Error).message}`);
  }
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  } finally {
    closeSync(fd);
  }
}

export async function packageCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('package', { args, allowPositionals: true, options: { key: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(PACKAGE_HELP);
    return EXIT.ok;
  }
  if (!values.key) throw new UsageError('package: --key <lab-private-key> is required (make one with obf-conformance keys generate --out <prefix>)');
  if (!values.out) throw new UsageError('package: --out <file> is required');
  if (positionals.length !== 1) throw new UsageError(`package: give exactly one run folder, got ${positionals.length}`);
  const runDir = path.resolve(positionals[0]);
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new UsageError(`package: ${runDir} is not a folder`);
  const keyFile = path.resolve(values.key);
  const secret = keyOrUsage('package', keyFile, () => readPrivateKey(readFileOrUsage(keyFile, 'key file', 'package')));
  // keys generate writes the key 0600; a key others can read may have been copied, so every package it signs is in
  // doubt. A warning, not a refusal: the lab may keep it on a single-user machine and must still be able to sign.
  const mode = statSync(keyFile).mode & 0o777;
  if (process.platform !== 'win32' && mode & 0o077) {
    process.stderr.write(`obf-conformance: package: warning: private key ${keyFile} can be read by others (mode 0${mode.toString(8)}); make it private with chmod 600\n`);
  }
  const out = path.resolve(values.out);
  if (out.startsWith(runDir + path.sep)) throw new UsageError('package: --out must lie outside the run folder');
  let built;
  try {
    built = buildPackage(runDir, secret);
  } catch (e) {
    if (e instanceof PackageError) throw new UsageError(`package: ${e.message}`);
    throw e;
  }
  writeNew(out, built.archive, 0o644, 'package');
  console.log(`package: ${out} (${built.manifest.files.length} files, ${built.archive.length} bytes), signed by key ${built.manifest.signer.keyId.slice(0, 16)}...`);
  return EXIT.ok;
}

/** A compressed archive given for the package: named, where the tar reader would list its bytes as "damage". */
function compressionOf(bytes: Uint8Array): string | null {
  const starts = (...magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  return null;
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('verify', { args, allowPositionals: true, options: { pub: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(VERIFY_HELP);
    return EXIT.ok;
  }
  if (!values.pub) throw new UsageError("verify: --pub <lab-public-key> is required (the lab's .pub file)");
  if (positionals.length !== 1) throw new UsageError(`verify: give exactly one package file, got ${positionals.length}`);
  const file = path.resolve(positionals[0]);
  const pubFile = path.resolve(values.pub);
  const pub = keyOrUsage('verify', pubFile, () => readPublicKey(readFileOrUsage(pubFile, 'public key', 'verify')));
  readFileOrUsage(file, 'package', 'verify');
  const bytes = readFileSync(file);
  const compression = compressionOf(bytes);
  if (compression) throw new UsageError(`verify: ${file} is ${compression}-compressed; give the .tar itself (a package is a plain tar: decompress it first)`);
  const outcome = verifyPackage(bytes, pub);
  // Entry names, paths and the manifest's texts come from the archive, which anyone can write: escaped, so a name
  // like "a\e[1;32m\nverified: OK" can neither forge an output line nor colour the terminal.
  const say = (line: string) => console.log(printable(line));
  if (outcome.ok) {
    const m = outcome.manifest!;
    say(`verified: ${file}: signature valid (key ${m.signer.keyId.slice(0, 16)}...), ${outcome.verified} files intact; created ${m.createdAt}; ${m.run.sut ?? '?'}: ${m.run.certificate ?? m.run.verdict ?? '?'}`);
    return EXIT.ok;
  }
  say(`NOT VERIFIED: ${file}: ${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}`);
  for (const p of outcome.problems) say(`  ${p}`);
  return EXIT.failed;
}

export async function keysGenerateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('keys generate', { args, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(KEYS_HELP);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`keys generate: unexpected argument '${positionals[0]}' (give --out <prefix>)`);
  if (!values.out || values.out.trim() === '') throw new UsageError('keys generate: --out <prefix> is required, e.g. --out lab/ed25519');
  const prefix = path.resolve(values.out);
  if (!existsSync(path.dirname(prefix))) throw new UsageError(`keys generate: folder ${path.dirname(prefix)} does not exist`);
  const { privatePem, publicPem, keyId } = generateKeyPair();
  if (existsSync(`${prefix}.pub`)) throw new UsageError(`keys generate: ${prefix}.pub already exists; choose another name or remove it`);
  writeNew(`${prefix}.key`, privatePem, 0o600, 'keys generate');
  writeNew(`${prefix}.pub`, publicPem, 0o644, 'keys generate');
  console.log(`private key: ${prefix}.key (mode 0600, keep it secret)\npublic key:  ${prefix}.pub\nkey id:      ${keyId}`);
  return EXIT.ok;
}

export async function keysHelpCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(KEYS_HELP);
    return EXIT.ok;
  }
  throw new UsageError(args.length ? `unknown keys command '${args[0]}' (try 'obf-conformance keys generate --help')` : "keys: give a command, e.g. 'obf-conformance keys generate --out lab'");
}
