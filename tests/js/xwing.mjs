// X-Wing HPKE (KEM 0x647A, HKDF-SHA256, AES-256-GCM, base mode) with @hpke/core and @hpke/hybridkem-x-wing,
// for tests/test_xwing_interop.py to drive and tests/js/xwing.test.mjs to import. All values are hex.
//
//   node tests/js/xwing.mjs public SEED                       -> {"public": PK}          (seed 32, pk 1216 bytes)
//   node tests/js/xwing.mjs seal PK PLAINTEXT INFO AAD        -> {"enc": ENC, "ct": CT}  (enc 1120 bytes)
//   node tests/js/xwing.mjs open SEED ENC CT INFO AAD         -> {"plaintext": PLAINTEXT}
//
// An empty argument is the empty byte string. Exits 1 with the error on stderr when a call fails (a wrong key,
// info or aad makes `open` fail), and 2 on a usage error. Seeds travel on the command line: test keys only.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SEED_BYTES = 32;
export const PUBLIC_BYTES = 1216;
export const ENC_BYTES = 1120;

/** Return a new HPKE suite: X-Wing, HKDF-SHA256, AES-256-GCM. */
export function xwingSuite() {
  return new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
}

/** Return bytes from hex, refusing anything that is not whole bytes of hex. */
export function fromHex(text) {
  if (!/^(?:[0-9a-f]{2})*$/i.test(text)) throw new TypeError(`not hex: ${JSON.stringify(text.slice(0, 20))}`);
  return new Uint8Array(Buffer.from(text, "hex"));
}

/** Return the hex of bytes (an ArrayBuffer or a view). */
export function toHex(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("hex");
}

/** Copy bytes into an ArrayBuffer of exactly their length.
 *
 * XWing.generateKeyPairDerand and XWing.importKey("raw", ...) read `.buffer` of the view they are given, so a view
 * into a larger buffer (a pooled Node Buffer, a subarray) fails with "Invalid key length"; a copy never does.
 */
function exact(bytes) {
  return new Uint8Array(bytes);
}

/** Return the 1216-byte public key (pk_M 1184 || pk_X 32) of a 32-byte X-Wing seed. */
export async function publicFromSeed(seed, suite = xwingSuite()) {
  if (seed.length !== SEED_BYTES) throw new RangeError(`a seed is ${SEED_BYTES} bytes, not ${seed.length}`);
  const { publicKey } = await suite.kem.generateKeyPairDerand(exact(seed));
  return new Uint8Array(await suite.kem.serializePublicKey(publicKey));
}

/** Seal plaintext to a 1216-byte public key; return the 1120-byte enc and the AEAD ciphertext. */
export async function seal(publicKey, plaintext, info, aad, suite = xwingSuite()) {
  const recipientPublicKey = await suite.kem.deserializePublicKey(exact(publicKey));
  const sealed = await suite.seal({ recipientPublicKey, info: exact(info) }, exact(plaintext), exact(aad));
  return { enc: new Uint8Array(sealed.enc), ct: new Uint8Array(sealed.ct) };
}

/** Open enc and ciphertext with a 32-byte X-Wing seed (the serialized private key); return the plaintext. */
export async function open(seed, enc, ct, info, aad, suite = xwingSuite()) {
  const recipientKey = await suite.kem.deserializePrivateKey(exact(seed));
  return new Uint8Array(await suite.open({ recipientKey, enc: exact(enc), info: exact(info) }, exact(ct), exact(aad)));
}

/** Run one command of the usage above and return what it prints. */
async function run(command, args) {
  const bytes = args.map(fromHex);
  if (command === "public" && bytes.length === 1) return { public: toHex(await publicFromSeed(bytes[0])) };
  if (command === "seal" && bytes.length === 4) {
    const { enc, ct } = await seal(...bytes);
    return { enc: toHex(enc), ct: toHex(ct) };
  }
  if (command === "open" && bytes.length === 5) return { plaintext: toHex(await open(...bytes)) };
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...args] = process.argv.slice(2);
  let output;
  try {
    output = await run(command, args);
  } catch (error) {
    console.error(`xwing ${command}: ${error.name}: ${error.message}`);
    process.exit(1);
  }
  if (output === null) {
    console.error("usage: node tests/js/xwing.mjs public SEED | seal PK PT INFO AAD | open SEED ENC CT INFO AAD");
    process.exit(2);
  }
  console.log(JSON.stringify(output));
}
