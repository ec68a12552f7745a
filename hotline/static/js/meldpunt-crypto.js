// Meldpunt Stages, browser path: envelopes v1 and v2, case tokens, key files and signed key lists.
// The exact bytes are in docs/formats.md; hotline/crypto.py and hotline/tokens.py are the
// reference. WebCrypto does SHA-256, HKDF, AES-GCM, PBKDF2 and, where it has them, X25519 and
// Ed25519; the vendored pure implementations stand in where it has not (Tor Browser). X-Wing
// (ML-KEM-768 with X25519), for the post-quantum wraps of envelope v2, is always the vendored one.
import {
  Aes256Gcm,
  CipherSuite,
  DhkemX25519HkdfSha256,
  ed25519 as noble,
  HkdfSha256,
  PureDhkemX25519HkdfSha256,
  pureSha256,
  PureX25519,
  XWing,
} from "../vendor/meldpunt-vendor.js";

const VERSION = 1;
const VERSION_PQ = 2; // envelope v2 and key file version 2: X-Wing beside X25519
// Suite ids per envelope version: KEM, KDF (HKDF-SHA256), AEAD (AES-256-GCM). The KEM of v1 is DHKEM(X25519,
// HKDF-SHA256); v2's is X-Wing, named for its X-Wing wraps (its classical wraps, marked "x25519", are v1's KEM).
const SUITE_IDS = { [VERSION]: [0x0020, 0x0001, 0x0002], [VERSION_PQ]: [0x647a, 0x0001, 0x0002] };
const KEM_X25519 = "x25519"; // the "kem" of a classical wrap in envelope v2; an X-Wing wrap has none
const XWING_SEED_LEN = 32;
const XWING_PUBLIC_LEN = 1216; // ML-KEM-768 public key (1184) || X25519 public key (32)
const MLKEM_VECTOR_LEN = 1152; // the ML-KEM-768 public key's t vector: 3 x 256 coefficients of 12 bits
const XWING_ENC_LEN = 1120;
const WRAP_LEN = { xwing: XWING_ENC_LEN + 48, x25519: 32 + 48 }; // enc || AES-256-GCM of the 32-byte dek
const KINDS = { report: 1, message: 2, attachment: 3 };
const DIRECTIONS = { to_handlers: 1, to_reporter: 2 };
const HEADER_LEN = 89;
const MIN_PADDED = 4096;
const PBKDF2_ITERATIONS = 600000;
const MAX_ITERATIONS = 10000000;
const KDF_NAME = "PBKDF2-HMAC-SHA256";
const KEY_FILE_VERSIONS = [VERSION, VERSION_PQ]; // 2 adds an X-Wing seed

const LABEL = {
  enc: "meldpunt/v1/enc",
  commit: "meldpunt/v1/commit",
  wrap: "meldpunt/v1/wrap",
  wrapXWing: "meldpunt/v2/wrap",
  wrapX25519: "meldpunt/v2/wrap-x25519",
  sig: "meldpunt/v1/sig",
  keyList: "meldpunt/v1/keylist",
  keyFile: "meldpunt/v1/keyfile",
  lookup: "meldpunt/v1/lookup",
  reply: "meldpunt/v1/reply-x25519",
  signing: "meldpunt/v1/reporter-ed25519",
  replyXWing: "meldpunt/v2/reply-xwing",
  possession: "meldpunt/v1/possession",
};

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32
const SYMBOLS = 25; // 125 random bits
const CHECK_SYMBOLS = 2;
const GROUP = 5;
const CONFUSABLE = { O: "0", I: "1", L: "1" };
// What Python's str.split() splits on (Unicode whitespace); JavaScript's \s differs slightly.
const WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const B64U = /^[A-Za-z0-9_-]*$/;
const B64U_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// PKCS#8 (RFC 8410) prefixes that make a raw 32-byte private key importable: OID 1.3.101.110 / .112.
const PKCS8 = (oid) => [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, oid, 0x04, 0x22, 0x04, 0x20];
const PKCS8_X25519 = PKCS8(0x6e);
const PKCS8_ED25519 = PKCS8(0x70);
// Known answers (RFC 7748 section 6.1, RFC 8032 test 1) that a native implementation must give.
const PROBE_X25519 = {
  sk: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  pk: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
};
const PROBE_ED25519 = {
  seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
  pk: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
};

// --- errors -----------------------------------------------------------------------------

/** Base of every failure here; all of them fail closed. */
export class CryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}
/** The envelope does not have the structure of envelope v1 or v2. */
export class MalformedEnvelope extends CryptoError {}
/** None of the envelope's wraps is for this key. */
export class NotARecipient extends CryptoError {}
/** The data key does not match the header's commitment. */
export class CommitmentMismatch extends CryptoError {}
/** A wrap or the payload did not authenticate, or the key to open the wrap is not at hand. */
export class DecryptionFailed extends CryptoError {}
/** The envelope's signature does not verify. */
export class BadSignature extends CryptoError {}
/** The envelope is bound to another case or kind than expected. */
export class WrongCase extends CryptoError {}
/** The passphrase does not unlock the key file. */
export class WrongPassphrase extends CryptoError {}
/** The key file is malformed or does not match its key id. */
export class BadKeyFile extends CryptoError {}
/** A destination key list is malformed, badly signed or rolled back. */
export class KeyListError extends CryptoError {}
/** A key to seal to does not appear in a verified key list. */
export class UnknownRecipient extends CryptoError {}
/** Base of token failures. */
export class TokenError extends CryptoError {}
/** The text has the wrong length or characters to be a case token. */
export class MalformedToken extends TokenError {}
/** The check symbols do not match: most likely a typo. */
export class TokenChecksumError extends TokenError {}

// --- bytes ------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** Return WebCrypto's SubtleCrypto. */
function subtle() {
  return globalThis.crypto.subtle;
}

/** Return n random bytes. */
function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** Encode text as UTF-8 bytes. */
function utf8(text) {
  return encoder.encode(text);
}

/** Concatenate byte arrays (and strings, as UTF-8). */
function concat(...parts) {
  const arrays = parts.map((p) => (typeof p === "string" ? utf8(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** Return a fresh ArrayBuffer holding exactly these bytes. */
function buffer(bytes) {
  return Uint8Array.from(bytes).buffer;
}

/** Compare two byte arrays in time that depends only on their length. */
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Return lowercase hex of bytes. */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Decode hex (even length, hex digits only). */
function fromHex(text) {
  if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) throw new CryptoError("not hex");
  return Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
}

/** Return obj[name], throwing TypeError when obj is no object or lacks it (Python's KeyError). */
function field(obj, name) {
  if (obj === null || typeof obj !== "object" || !Object.hasOwn(obj, name)) throw new TypeError(`no ${name}`);
  return obj[name];
}

/** Canonical unpadded base64url, as hotline.crypto's b64e / b64d. */
export const b64u = {
  /** Encode bytes as unpadded base64url. */
  encode(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
      const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
      for (let j = 0; j < chars; j++) out += B64U_ALPHABET[(n >> (18 - 6 * j)) & 63];
    }
    return out;
  },
  /** Decode canonical unpadded base64url, throwing MalformedEnvelope on anything else. */
  decode(text) {
    if (typeof text !== "string" || !B64U.test(text) || text.length % 4 === 1) {
      throw new MalformedEnvelope("not base64url");
    }
    const out = new Uint8Array(Math.floor((text.length * 6) / 8));
    let bits = 0;
    let value = 0;
    let index = 0;
    for (const c of text) {
      value = ((value << 6) | B64U_ALPHABET.indexOf(c)) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[index++] = (value >> bits) & 0xff;
      }
    }
    if (b64u.encode(out) !== text) throw new MalformedEnvelope("not canonical base64url");
    return out;
  },
};

/** Return SHA-256 of bytes. */
async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

/** Return the key id: hex SHA-256 of a raw public key. */
export async function fingerprint(rawPublicKey) {
  return hex(await sha256(rawPublicKey));
}

/** Derive key material with HKDF-SHA256; an empty salt is RFC 5869's default of zeros. */
async function hkdf(ikm, info, salt = new Uint8Array(0), length = 32) {
  const key = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt, info: utf8(info) };
  return new Uint8Array(await subtle().deriveBits(params, key, length * 8));
}

/** Import a raw 256-bit AES-GCM key, non-extractable. */
function aesKey(raw, usage) {
  return subtle().importKey("raw", raw, "AES-GCM", false, [usage]);
}

/** Encrypt with AES-256-GCM; the output is ciphertext followed by the 16-byte tag. */
async function aesEncrypt(raw, nonce, plaintext, aad) {
  const key = await aesKey(raw, "encrypt");
  const params = { name: "AES-GCM", iv: nonce, additionalData: aad };
  return new Uint8Array(await subtle().encrypt(params, key, plaintext));
}

/** Decrypt AES-256-GCM; null when it does not authenticate. */
async function aesDecrypt(raw, nonce, ciphertext, aad) {
  const key = await aesKey(raw, "decrypt");
  const params = { name: "AES-GCM", iv: nonce, additionalData: aad };
  return subtle()
    .decrypt(params, key, ciphertext)
    .then(
      (plain) => new Uint8Array(plain),
      () => null,
    );
}

// --- padding ----------------------------------------------------------------------------

/** Return the number of bits of a non-negative integer, as Python's int.bit_length(). */
function bitLength(n) {
  let bits = 0;
  for (let rest = n; rest >= 1; rest = Math.floor(rest / 2)) bits++;
  return bits;
}

/** Return the bucket size for a length: at least 4 KiB, then Padmé. */
export function paddedSize(n) {
  const length = Math.max(n, MIN_PADDED);
  const exponent = bitLength(length) - 1;
  const step = 2 ** (exponent - bitLength(exponent)); // keep only the top bits of the length
  return Math.ceil(length / step) * step;
}

/** Prefix the length (u32 big-endian) and pad with zeros up to the bucket size. */
export function pad(bytes) {
  const padded = new Uint8Array(paddedSize(4 + bytes.length));
  new DataView(padded.buffer).setUint32(0, bytes.length);
  padded.set(bytes, 4);
  return padded;
}

/** Strip the padding added by pad(). */
export function unpad(bytes) {
  if (bytes.length < 4) throw new MalformedEnvelope("payload too short");
  const length = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (length > bytes.length - 4 || bytes.subarray(4 + length).some((b) => b !== 0)) {
    throw new MalformedEnvelope("bad padding");
  }
  return bytes.slice(4, 4 + length);
}

// --- X25519 and Ed25519: native WebCrypto or the pure fallbacks ----------------------------

const choice = { x25519: "auto", ed25519: "auto" };
const probes = {};

/** Force an implementation per algorithm ("native", "pure" or "auto"); meant for tests. */
export function useImplementations({ x25519 = "auto", ed25519 = "auto" } = {}) {
  for (const value of [x25519, ed25519]) {
    if (!["native", "pure", "auto"].includes(value)) throw new CryptoError(`unknown implementation ${value}`);
  }
  Object.assign(choice, { x25519, ed25519 });
}

/** Return which implementation each algorithm uses now: "native" or "pure". */
export async function implementations() {
  return { x25519: await resolve("x25519"), ed25519: await resolve("ed25519") };
}

/** Resolve the current choice for an algorithm, probing native support once. */
async function resolve(algorithm) {
  if (choice[algorithm] !== "auto") return choice[algorithm];
  probes[algorithm] ??= (algorithm === "x25519" ? probeX25519 : probeEd25519)().catch(() => false);
  return (await probes[algorithm]) ? "native" : "pure";
}

/** Check that native X25519 imports a raw private key and gives the RFC 7748 public key. */
async function probeX25519() {
  return hex(await nativeX25519Public(await nativeX25519Private(fromHex(PROBE_X25519.sk)))) === PROBE_X25519.pk;
}

/** Check that native Ed25519 signs and verifies as RFC 8032 says. */
async function probeEd25519() {
  const seed = fromHex(PROBE_ED25519.seed);
  const pub = await nativeEd25519Public(seed);
  const sig = await nativeEd25519Sign(seed, pub, new Uint8Array(0));
  return hex(pub) === PROBE_ED25519.pk && hex(sig) === PROBE_ED25519.sig;
}

/** Import a raw X25519 private key into WebCrypto, non-extractable. */
function nativeX25519Private(raw) {
  return subtle().importKey("pkcs8", concat(PKCS8_X25519, raw), { name: "X25519" }, false, ["deriveBits"]);
}

/** Return the raw public key of a native X25519 private key: X25519(sk, 9). */
async function nativeX25519Public(privateKey) {
  const base = new Uint8Array(32);
  base[0] = 9;
  const point = await subtle().importKey("raw", base, { name: "X25519" }, true, []);
  return new Uint8Array(await subtle().deriveBits({ name: "X25519", public: point }, privateKey, 256));
}

/** Return the raw Ed25519 public key of a seed (via a short-lived extractable import). */
async function nativeEd25519Public(seed) {
  const key = await subtle().importKey("pkcs8", concat(PKCS8_ED25519, seed), { name: "Ed25519" }, true, ["sign"]);
  return b64u.decode((await subtle().exportKey("jwk", key)).x);
}

/** Sign with native Ed25519, importing the seed as a non-extractable JWK. */
async function nativeEd25519Sign(seed, pub, message) {
  const jwk = { kty: "OKP", crv: "Ed25519", d: b64u.encode(seed), x: b64u.encode(pub) };
  const key = await subtle().importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign({ name: "Ed25519" }, key, message));
}

/** Verify with native Ed25519; a key or signature WebCrypto refuses does not verify. */
async function nativeEd25519Verify(pub, signature, message) {
  try {
    const key = await subtle().importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return await subtle().verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    return false;
  }
}

const suites = {};

/** Return the HPKE suite of an X25519 implementation, made once. */
function hpkeSuite(kind) {
  const kem = () => (kind === "native" ? new DhkemX25519HkdfSha256() : new PureDhkemX25519HkdfSha256());
  suites[kind] ??= new CipherSuite({ kem: kem(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suites[kind];
}

/** Tell whether a private key is a WebCrypto key rather than raw bytes. */
function isCryptoKey(key) {
  return typeof CryptoKey !== "undefined" && key instanceof CryptoKey;
}

/** Return an X25519 key pair object for HPKE from a private key (raw bytes or a native CryptoKey), and its raw public key. */
async function x25519Pair(raw) {
  if (isCryptoKey(raw)) {
    const pub = await nativeX25519Public(raw);
    const publicKey = await hpkeSuite("native").kem.importKey("raw", buffer(pub), true);
    return { keyPair: { privateKey: raw, publicKey }, pub, kind: "native" };
  }
  if (!(raw instanceof Uint8Array) || raw.length !== 32) throw new CryptoError("an X25519 private key has 32 bytes");
  if ((await resolve("x25519")) === "native") {
    const privateKey = await nativeX25519Private(raw);
    const pub = await nativeX25519Public(privateKey);
    const publicKey = await hpkeSuite("native").kem.importKey("raw", buffer(pub), true);
    return { keyPair: { privateKey, publicKey }, pub, kind: "native" };
  }
  const prim = new PureX25519();
  const privateKey = await prim.importKey("raw", buffer(raw), false);
  const publicKey = await prim.derivePublicKey(privateKey);
  return { keyPair: { privateKey, publicKey }, pub: Uint8Array.from(publicKey.key), kind: "pure" };
}

/** Return the raw X25519 public key of a raw private key. */
async function x25519Public(raw) {
  return (await x25519Pair(raw)).pub;
}

/** Return the raw Ed25519 public key of a 32-byte seed. */
async function ed25519Public(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new CryptoError("an Ed25519 seed has 32 bytes");
  if ((await resolve("ed25519")) === "native") return nativeEd25519Public(seed);
  return noble.getPublicKeyAsync(seed);
}

/** Sign a message with an Ed25519 seed, or with a native non-extractable signing key. */
async function ed25519Sign(seed, message) {
  if (isCryptoKey(seed)) return new Uint8Array(await subtle().sign({ name: "Ed25519" }, seed, message));
  const pub = await ed25519Public(seed);
  if ((await resolve("ed25519")) === "native") return nativeEd25519Sign(seed, pub, message);
  return noble.signAsync(message, seed);
}

/** Verify an Ed25519 signature over a message; RFC 8032 rules, as Python's cryptography. */
async function ed25519Verify(pub, signature, message) {
  if (!(pub instanceof Uint8Array) || pub.length !== 32 || signature.length !== 64) return false;
  if ((await resolve("ed25519")) === "native") return nativeEd25519Verify(pub, signature, message);
  try {
    return await noble.verifyAsync(signature, message, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** HPKE base-mode single-shot seal to a raw X25519 public key; the output is enc || ct. */
async function hpkeSeal(recipientPublic, info, plaintext) {
  const suite = hpkeSuite(await resolve("x25519"));
  const recipientPublicKey = await suite.kem.importKey("raw", buffer(recipientPublic), true);
  const { ct, enc } = await suite.seal({ recipientPublicKey, info: buffer(info) }, buffer(plaintext));
  return concat(new Uint8Array(enc), new Uint8Array(ct));
}

/** HPKE base-mode single-shot open of enc || ct with an X25519 private key (raw or a native CryptoKey). */
async function hpkeOpen(recipientPrivate, info, sealed) {
  const { keyPair, kind } = await x25519Pair(recipientPrivate);
  const suite = hpkeSuite(kind);
  const enc = buffer(sealed.subarray(0, 32));
  const ct = buffer(sealed.subarray(32));
  return new Uint8Array(await suite.open({ recipientKey: keyPair, enc, info: buffer(info) }, ct));
}

// --- X-Wing (HPKE KEM 0x647A), pure JavaScript everywhere: WebCrypto has no ML-KEM ------------

let xwingSuites = null;

/** Return the HPKE suite X-Wing, HKDF-SHA256, AES-256-GCM, made once. */
function xwingSuite() {
  xwingSuites ??= new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return xwingSuites;
}

/**
 * Tell whether an ML-KEM-768 public key passes FIPS 203's modulus check: every 12-bit coefficient of its t vector
 * is below q = 3329. The X-Wing library only checks it when sealing; a key list refuses such a key at once.
 */
function mlkemModulusOk(raw) {
  for (let i = 0; i < MLKEM_VECTOR_LEN; i += 3) {
    const low = raw[i] | ((raw[i + 1] & 0x0f) << 8);
    const high = (raw[i + 1] >> 4) | (raw[i + 2] << 4);
    if (low >= 3329 || high >= 3329) return false;
  }
  return true;
}

/** Tell whether raw bytes are an X-Wing public key: 1216 bytes whose ML-KEM part passes the modulus check. */
export function isXWingPublic(raw) {
  return raw instanceof Uint8Array && raw.length === XWING_PUBLIC_LEN && mlkemModulusOk(raw);
}

/** Refuse anything but a 32-byte X-Wing seed. */
function checkXWingSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== XWING_SEED_LEN) throw new CryptoError("an X-Wing seed has 32 bytes");
}

/** Return the 1216-byte X-Wing public key of a 32-byte seed (the X-Wing private key). */
async function xwingPublic(seed) {
  checkXWingSeed(seed);
  const { kem } = xwingSuite();
  const { publicKey } = await kem.generateKeyPairDerand(new Uint8Array(seed)); // a copy: it reads .buffer whole
  return new Uint8Array(await kem.serializePublicKey(publicKey));
}

/** HPKE base-mode single-shot seal to a raw X-Wing public key; the output is enc (1120 bytes) || ct. */
async function xwingSeal(recipientPublic, info, plaintext) {
  if (!isXWingPublic(recipientPublic)) throw new CryptoError("not an X-Wing public key");
  const suite = xwingSuite();
  const recipientPublicKey = await suite.kem.deserializePublicKey(buffer(recipientPublic));
  const { ct, enc } = await suite.seal({ recipientPublicKey, info: buffer(info) }, buffer(plaintext));
  return concat(new Uint8Array(enc), new Uint8Array(ct));
}

/** HPKE base-mode single-shot open of enc || ct with a 32-byte X-Wing seed. */
async function xwingOpen(seed, info, sealed) {
  checkXWingSeed(seed);
  if (sealed.length <= XWING_ENC_LEN) throw new DecryptionFailed("X-Wing wrap too short");
  const suite = xwingSuite();
  const recipientKey = await suite.kem.deserializePrivateKey(buffer(seed));
  const enc = buffer(sealed.subarray(0, XWING_ENC_LEN));
  const ct = buffer(sealed.subarray(XWING_ENC_LEN));
  return new Uint8Array(await suite.open({ recipientKey, enc, info: buffer(info) }, ct));
}

/** The HPKE layer of the wraps, exported for the shared test vectors and tests; bytes in, bytes out. */
export const hpke = { seal: hpkeSeal, open: hpkeOpen, xwingSeal, xwingOpen, xwingPublic };

// --- case tokens ------------------------------------------------------------------------

/** Return the two check symbols of 25 token symbols: the first 10 bits of their SHA-256. */
function checkSymbols(symbols) {
  const digest = pureSha256(utf8(symbols)); // synchronous, so generate() and normalise() are too
  const top = (digest[0] << 8) | digest[1];
  return ALPHABET[top >> 11] + ALPHABET[(top >> 6) & 31];
}

/** Return the canonical grouped form of 25 symbols with their check pair. */
function formatToken(symbols) {
  const groups = [];
  for (let i = 0; i < SYMBOLS; i += GROUP) groups.push(symbols.slice(i, i + GROUP));
  return [...groups, checkSymbols(symbols)].join("-");
}

/** Remove every Unicode whitespace character, as Python's "".join(text.split()). */
function stripWhitespace(text) {
  return text.split(WHITESPACE).join("");
}

export const tokens = {
  /** Return a new token in its canonical grouped form. */
  generate() {
    // 256 is a multiple of 32, so the low five bits of a random byte are uniform.
    const symbols = Array.from(randomBytes(SYMBOLS), (b) => ALPHABET[b & 31]).join("");
    return formatToken(symbols);
  },

  /** Return the canonical token for typed text, or throw MalformedToken / TokenChecksumError. */
  normalise(text) {
    if (typeof text !== "string") throw new MalformedToken("a case token has 27 letters and digits");
    const compact = Array.from(stripWhitespace(text).replaceAll("-", "").toUpperCase(), (c) => CONFUSABLE[c] ?? c);
    if (compact.length !== SYMBOLS + CHECK_SYMBOLS || compact.some((c) => !ALPHABET.includes(c))) {
      throw new MalformedToken("a case token has 27 letters and digits");
    }
    const symbols = compact.slice(0, SYMBOLS).join("");
    const check = compact.slice(SYMBOLS).join("");
    if (!equalBytes(utf8(checkSymbols(symbols)), utf8(check))) {
      throw new TokenChecksumError("the token contains a typo");
    }
    return formatToken(symbols);
  },

  /**
   * Derive the lookup key, reply key pair, reporter signing key and the reply key's X-Wing part (replyXWingSeed,
   * replyXWingPublic: the reporter's post-quantum wraps, envelope v2) from a token and the instance salt.
   */
  async derive(token, instanceSalt) {
    const salt = typeof instanceSalt === "string" ? fromHex(instanceSalt) : instanceSalt;
    const ikm = utf8(tokens.normalise(token));
    const lookupKey = await hkdf(ikm, LABEL.lookup, salt);
    const replyPrivate = await hkdf(ikm, LABEL.reply, salt);
    const signingSeed = await hkdf(ikm, LABEL.signing, salt);
    const replyXWingSeed = await hkdf(ikm, LABEL.replyXWing, salt);
    return {
      lookupKey,
      replyPrivate,
      replyPublic: await x25519Public(replyPrivate),
      signingSeed,
      signingPublic: await ed25519Public(signingSeed),
      replyXWingSeed,
      replyXWingPublic: await xwingPublic(replyXWingSeed),
    };
  },

  /** The reporter's own key to open with: classical wraps with the reply key, X-Wing ones with its X-Wing seed. */
  openingKey(keys) {
    return { x25519Private: keys.replyPrivate, xwingSeed: keys.replyXWingSeed };
  },

  /**
   * The reporter as a reader of a new envelope, {kid, x25519, xwing?}: with the X-Wing key unless postQuantum is
   * false (a case filed before reporters had one keeps classical wraps).
   */
  async reader(keys, postQuantum = true) {
    const reader = { kid: await fingerprint(keys.replyPublic), x25519: keys.replyPublic };
    return postQuantum ? { ...reader, xwing: keys.replyXWingPublic } : reader;
  },
};

// --- signed destination key lists -------------------------------------------------------

/**
 * Read one key of a key list body, checking its key id as PublicKey.from_json does. A key with an X-Wing key
 * (envelope v2) has `xwing` too, 1216 bytes; a key without one has no `xwing` field at all.
 */
async function publicKeyFrom(data) {
  const key = {
    name: String(field(data, "name")),
    kid: String(field(data, "kid")),
    x25519: b64u.decode(field(data, "x25519")),
    ed25519: b64u.decode(field(data, "ed25519")),
  };
  if (key.x25519.length !== 32 || key.ed25519.length !== 32 || (await fingerprint(key.x25519)) !== key.kid) {
    throw new KeyListError("public key does not match its key id");
  }
  if (Object.hasOwn(data, "xwing")) {
    let xwing;
    try {
      xwing = b64u.decode(data.xwing);
    } catch {
      throw new KeyListError("the X-Wing key is not base64url");
    }
    if (!isXWingPublic(xwing)) throw new KeyListError("not an X-Wing public key");
    key.xwing = xwing;
  }
  return key;
}

/** Return the parsed body and keys of a key list, or null when its signature does not verify. */
async function signedBody(doc, institutionPublic) {
  const bodyText = String(field(doc, "body"));
  const signature = b64u.decode(field(doc, "signature"));
  if (!(await ed25519Verify(institutionPublic, signature, concat(LABEL.keyList, bodyText)))) return null;
  const body = JSON.parse(bodyText);
  const keys = await Promise.all(field(body, "keys").map(publicKeyFrom));
  if (!Number.isInteger(field(body, "version"))) throw new TypeError("version");
  return { destination: String(field(body, "destination")), version: body.version, keys };
}

/** Verify a signed key list over its exact body text; refuse other destinations, empty lists and rollbacks. */
export async function verifyKeyList(doc, institutionPublic, destination, minVersion = 0) {
  if (doc?.type !== "meldpunt-key-list") throw new KeyListError("not a key list");
  let list;
  try {
    list = await signedBody(doc, institutionPublic);
  } catch {
    throw new KeyListError(`the key list of ${destination} is malformed`);
  }
  if (list === null) throw new KeyListError(`the key list of ${destination} has a bad signature`);
  if (list.destination !== destination) {
    throw new KeyListError(`the key list is for ${list.destination}, not ${destination}`);
  }
  if (list.version < minVersion) {
    throw new KeyListError(`the key list of ${destination} is older (version ${list.version}) than one seen before`);
  }
  if (!list.keys.length) throw new KeyListError(`the key list of ${destination} holds no keys`);
  return list;
}

// --- envelopes --------------------------------------------------------------------------

/** Parse an envelope header, as Header.parse does: version 1 with v1's suite, or version 2 with v2's. */
function parseHeader(hdr) {
  const suite = SUITE_IDS[hdr[0]];
  if (hdr.length !== HEADER_LEN || !suite) throw new MalformedEnvelope("unknown header version or length");
  const view = new DataView(hdr.buffer, hdr.byteOffset, hdr.length);
  if (suite.some((id, i) => view.getUint16(1 + 2 * i) !== id)) throw new MalformedEnvelope("unknown suite");
  const kind = Object.keys(KINDS).find((k) => KINDS[k] === hdr[7]);
  const direction = Object.keys(DIRECTIONS).find((d) => DIRECTIONS[d] === hdr[8]);
  if (!kind || !direction) throw new MalformedEnvelope("unknown kind or direction");
  return {
    version: hdr[0],
    kind,
    direction,
    envelopeId: hdr.slice(9, 25),
    replyPublicKey: hdr.slice(25, 57),
    commit: hdr.slice(57, 89),
  };
}

/**
 * Read one recipient of envelope JSON. In v1 it has no "kem". In v2, "kem" is absent for an X-Wing wrap and
 * exactly "x25519" for a classical one, and the wrap has that KEM's length: anything else is malformed.
 */
function recipientFields(r, version) {
  const recipient = { kid: String(field(r, "kid")), wrap: String(field(r, "wrap")) };
  if (version === VERSION) {
    if (Object.hasOwn(r, "kem")) throw new MalformedEnvelope("a v1 envelope names no KEM per wrap");
    recipient.kem = KEM_X25519;
    return recipient;
  }
  if (Object.hasOwn(r, "kem") && r.kem !== KEM_X25519) throw new MalformedEnvelope("unknown KEM of a wrap");
  recipient.kem = Object.hasOwn(r, "kem") ? KEM_X25519 : "xwing";
  recipient.sealed = b64u.decode(recipient.wrap);
  if (recipient.sealed.length !== WRAP_LEN[recipient.kem]) throw new MalformedEnvelope("a wrap of the wrong length");
  return recipient;
}

/** Read the fields of envelope JSON into bytes, throwing MalformedEnvelope when one is missing. */
function envelopeFields(data) {
  try {
    const version = field(data, "v");
    if (version !== VERSION && version !== VERSION_PQ) throw new MalformedEnvelope("unknown envelope version");
    const recipients = field(data, "recipients");
    if (!Array.isArray(recipients)) throw new TypeError("recipients");
    return {
      version,
      hdr: b64u.decode(field(data, "hdr")),
      nonce: b64u.decode(field(data, "nonce")),
      ct: b64u.decode(field(data, "ct")),
      recipients: recipients.map((r) => recipientFields(r, version)),
      signer: String(field(field(data, "sig"), "signer")),
      signature: b64u.decode(field(data.sig, "value")),
    };
  } catch (error) {
    if (error instanceof MalformedEnvelope) throw error;
    throw new MalformedEnvelope("missing or mistyped envelope field");
  }
}

/** Parse envelope JSON into bytes and header, as Envelope.from_json does; "v" and the header agree. */
function parseEnvelope(data) {
  const envelope = envelopeFields(data);
  envelope.header = parseHeader(envelope.hdr);
  if (envelope.header.version !== envelope.version) throw new MalformedEnvelope("the header is of another version");
  if (envelope.nonce.length !== 12 || envelope.signature.length !== 64 || !envelope.recipients.length) {
    throw new MalformedEnvelope("bad nonce, signature or recipients");
  }
  // A stored envelope may carry several wraps for one kid (a valid re-wrap beside a bad one): openDek tries each.
  return envelope;
}

/** Return k_enc and commit of a data key. */
async function deriveKeys(dek) {
  return { kEnc: await hkdf(dek, LABEL.enc), commit: await hkdf(dek, LABEL.commit) };
}

/** Return the wrap label of an envelope version and KEM: v1's, or v2's for X-Wing or for X25519. */
function wrapLabel(version, kem) {
  if (version === VERSION) return LABEL.wrap;
  return kem === KEM_X25519 ? LABEL.wrapX25519 : LABEL.wrapXWing;
}

/** Return the HPKE info of a wrap: label, raw kid and SHA-256 of the header. */
async function wrapInfo(label, kid, hdr) {
  return concat(label, fromHex(kid), await sha256(hdr));
}

/** Return the bytes an envelope signature covers. */
async function signedBytes(hdr, nonce, ct) {
  return concat(LABEL.sig, hdr, await sha256(concat(nonce, ct)));
}

/**
 * Return readers [{kid, x25519, xwing?}] once per kid, in first-seen order. A kid that comes with an X-Wing key
 * in any entry keeps it: a reader that has one never gets a classical wrap in envelope v2.
 */
export function uniqueReaders(readers) {
  const byKid = new Map();
  for (const reader of readers || []) {
    const xwing = reader.xwing ?? byKid.get(reader.kid)?.xwing;
    byKid.set(reader.kid, { kid: reader.kid, x25519: reader.x25519, ...(xwing ? { xwing } : {}) });
  }
  return [...byKid.values()];
}

/**
 * Seal the data key for one reader {kid, x25519, xwing?} whose X25519 key must match its kid. In envelope v1 the
 * wrap is v1's; in v2 it is X-Wing for a reader with an X-Wing key and a classical one marked "x25519" otherwise.
 */
async function wrapFor(dek, hdr, version, { kid, x25519, xwing }) {
  if (!(x25519 instanceof Uint8Array) || x25519.length !== 32 || (await fingerprint(x25519)) !== kid) {
    throw new UnknownRecipient("public key does not match its key id");
  }
  if (version === VERSION) {
    return { kid, wrap: b64u.encode(await hpkeSeal(x25519, await wrapInfo(LABEL.wrap, kid, hdr), dek)) };
  }
  if (xwing !== null && xwing !== undefined) {
    if (!isXWingPublic(xwing)) throw new UnknownRecipient("not an X-Wing public key");
    return { kid, wrap: b64u.encode(await xwingSeal(xwing, await wrapInfo(LABEL.wrapXWing, kid, hdr), dek)) };
  }
  const sealed = await hpkeSeal(x25519, await wrapInfo(LABEL.wrapX25519, kid, hdr), dek);
  return { kid, wrap: b64u.encode(sealed), kem: KEM_X25519 };
}

/** Return the header's 6 suite bytes for an envelope version. */
function suiteBytes(version) {
  const bytes = new Uint8Array(6);
  SUITE_IDS[version].forEach((id, i) => new DataView(bytes.buffer).setUint16(2 * i, id));
  return bytes;
}

/**
 * Seal plaintext to recipients [{kid, x25519, xwing?}] and sign it; returns the envelope JSON object. As soon as
 * one recipient has an X-Wing key (xwing: its 1216 raw bytes) the envelope is v2, with an X-Wing wrap for each
 * such recipient and a classical one for the others; with none it is v1.
 */
export async function seal(plaintext, { kind, direction, replyPublicKey, recipients, signer, signingSeed }) {
  if (!(kind in KINDS) || !(direction in DIRECTIONS) || replyPublicKey?.length !== 32) {
    throw new MalformedEnvelope("bad kind, direction or reply key");
  }
  const readers = uniqueReaders(recipients);
  if (!readers.length) throw new UnknownRecipient("no recipients to seal to");
  const version = readers.some((r) => r.xwing) ? VERSION_PQ : VERSION;
  const dek = randomBytes(32);
  const { kEnc, commit } = await deriveKeys(dek);
  const hdr = concat(
    [version],
    suiteBytes(version),
    [KINDS[kind], DIRECTIONS[direction]],
    randomBytes(16),
    replyPublicKey,
    commit,
  );
  const nonce = randomBytes(12);
  const ct = await aesEncrypt(kEnc, nonce, pad(plaintext), hdr);
  const wraps = [];
  for (const reader of readers) wraps.push(await wrapFor(dek, hdr, version, reader));
  const signature = await ed25519Sign(signingSeed, await signedBytes(hdr, nonce, ct));
  return {
    v: version,
    hdr: b64u.encode(hdr),
    nonce: b64u.encode(nonce),
    ct: b64u.encode(ct),
    recipients: wraps,
    sig: { signer: String(signer), value: b64u.encode(signature) },
  };
}

/**
 * Return {x25519Private, xwingSeed} of what a caller gives as its own key: an X25519 private key (raw bytes or a
 * native CryptoKey), which opens classical wraps only, or a key object {x25519Private, xwingSeed?} such as
 * unlockKeyFile and holdKey return.
 */
function ownKey(key) {
  if (key instanceof Uint8Array || isCryptoKey(key)) return { x25519Private: key, xwingSeed: null };
  return { x25519Private: key?.x25519Private, xwingSeed: key?.xwingSeed ?? null };
}

/**
 * Open the own wrap and check the data key against the header's commitment. A kid may carry several
 * wraps (a later re-wrap beside a bad one): each is tried, and the first that opens and matches wins.
 * An X-Wing wrap opens only with the key's X-Wing seed; a classical one with its X25519 key.
 */
async function openDek(envelope, { x25519Private, xwingSeed }) {
  const kid = await fingerprint(await x25519Public(x25519Private));
  const own = envelope.recipients.filter((r) => r.kid === kid);
  if (!own.length) throw new NotARecipient("this envelope is not sealed to your key");
  const version = envelope.header.version;
  let failure = new DecryptionFailed("the wrap for this key does not open");
  let seedMissing = false;
  for (const recipient of own) {
    if (recipient.kem === "xwing" && !xwingSeed) {
      seedMissing = true;
      continue;
    }
    let dek;
    try {
      const sealed = recipient.sealed ?? b64u.decode(recipient.wrap);
      const info = await wrapInfo(wrapLabel(version, recipient.kem), kid, envelope.hdr);
      if (recipient.kem === "xwing") dek = await xwingOpen(xwingSeed, info, sealed);
      else {
        if (sealed.length < 32) throw new DecryptionFailed("wrap too short");
        dek = await hpkeOpen(x25519Private, info, sealed);
      }
    } catch {
      failure = new DecryptionFailed("the wrap for this key does not open");
      continue;
    }
    if (dek.length === 32 && equalBytes((await deriveKeys(dek)).commit, envelope.header.commit)) return dek;
    failure = new CommitmentMismatch("the data key does not match the commitment");
  }
  if (seedMissing && !(failure instanceof CommitmentMismatch)) {
    throw new DecryptionFailed("this envelope is sealed to the X-Wing key of this kid: unlock its version 2 key file");
  }
  throw failure;
}

/**
 * Open an envelope: own wrap, commitment, signature, binding, then the payload. An X-Wing wrap (envelope v2)
 * needs xwingSeed, the 32-byte X-Wing seed of a version 2 key file; x25519Private opens classical wraps.
 */
export async function open(
  envelope,
  { x25519Private, xwingSeed = null, verifyKey, replyPublicKey = null, kind = null },
) {
  const parsed = parseEnvelope(envelope);
  const dek = await openDek(parsed, { x25519Private, xwingSeed });
  const signerKey = await verifyKey(parsed.signer);
  if (signerKey === null || signerKey === undefined) {
    throw new BadSignature(`unknown signer ${parsed.signer.slice(0, 16)}`);
  }
  if (!(await ed25519Verify(signerKey, parsed.signature, await signedBytes(parsed.hdr, parsed.nonce, parsed.ct)))) {
    throw new BadSignature("the envelope's signature does not verify");
  }
  if (replyPublicKey !== null && !equalBytes(parsed.header.replyPublicKey, replyPublicKey)) {
    throw new WrongCase("the envelope belongs to another case");
  }
  if (kind !== null && parsed.header.kind !== kind) throw new WrongCase("the envelope is of another kind");
  const padded = await aesDecrypt((await deriveKeys(dek)).kEnc, parsed.nonce, parsed.ct, parsed.hdr);
  if (!padded) throw new DecryptionFailed("the payload does not authenticate");
  return unpad(padded);
}

/**
 * Open an envelope whose plaintext names its own signing key (a report), as open_self_signed does:
 * the payload authenticates first, enclosedKey(plaintext) reads the key from it, and the plaintext is
 * returned only once the signature verifies with that key. Returns {plaintext, header}. xwingSeed as for open.
 */
export async function openSelfSigned(
  envelope,
  { x25519Private, xwingSeed = null, enclosedKey, replyPublicKey = null, kind = null },
) {
  const parsed = parseEnvelope(envelope);
  const dek = await openDek(parsed, { x25519Private, xwingSeed });
  if (replyPublicKey !== null && !equalBytes(parsed.header.replyPublicKey, replyPublicKey)) {
    throw new WrongCase("the envelope belongs to another case");
  }
  if (kind !== null && parsed.header.kind !== kind) throw new WrongCase("the envelope is of another kind");
  const padded = await aesDecrypt((await deriveKeys(dek)).kEnc, parsed.nonce, parsed.ct, parsed.hdr);
  if (!padded) throw new DecryptionFailed("the payload does not authenticate");
  const plaintext = unpad(padded);
  const signerKey = await enclosedKey(plaintext);
  if (signerKey === null || signerKey === undefined) throw new BadSignature("the plaintext names no signing key");
  if (!(await ed25519Verify(signerKey, parsed.signature, await signedBytes(parsed.hdr, parsed.nonce, parsed.ct)))) {
    throw new BadSignature("the envelope's signature does not verify");
  }
  return { plaintext, header: parsed.header };
}

/**
 * Wrap an envelope's data key for more readers [{kid, x25519, xwing?}]; returns the new wraps, none for a kid it
 * has unless again (a fresh wrap beside one that may be bad). key is the own key object {x25519Private,
 * xwingSeed?} (or just an X25519 private key, which opens classical wraps only). A v1 envelope gets v1 wraps; a
 * v2 envelope an X-Wing wrap for a reader with an X-Wing key and a classical one for a reader without.
 */
export async function wrapsFor(envelope, key, readers, { again = false } = {}) {
  const parsed = parseEnvelope(envelope);
  const wanted = uniqueReaders(readers).filter((r) => again || !parsed.recipients.some((own) => own.kid === r.kid));
  if (!wanted.length) return [];
  const dek = await openDek(parsed, ownKey(key));
  const wraps = [];
  for (const reader of wanted) wraps.push(await wrapFor(dek, parsed.hdr, parsed.header.version, reader));
  return wraps;
}

/** Re-wrap the data key for one more reader; returns a new envelope object, the payload unchanged. */
export async function addRecipient(envelope, key, reader) {
  const wraps = await wrapsFor(envelope, key, [reader]);
  return wraps.length ? { ...envelope, recipients: [...envelope.recipients, ...wraps] } : envelope;
}

// --- key files --------------------------------------------------------------------------

/** Return the associated data of a key file. */
function keyFileAad(version, kdf, kid) {
  return utf8(`${LABEL.keyFile}|${version}|${kdf.name}|${kdf.iterations}|${kdf.salt}|${kid}`);
}

/** Derive the key-file key: PBKDF2-HMAC-SHA256 over the whitespace-collapsed passphrase. */
async function passphraseKey(passphrase, salt, iterations) {
  const normalised = passphrase.split(WHITESPACE).filter(Boolean).join(" ");
  const key = await subtle().importKey("raw", utf8(normalised), "PBKDF2", false, ["deriveBits"]);
  const params = { name: "PBKDF2", hash: "SHA-256", salt, iterations };
  return new Uint8Array(await subtle().deriveBits(params, key, 256));
}

/**
 * Seal the private keys of {name, x25519Private, ed25519Seed, xwingSeed?} under a passphrase into key file JSON:
 * version 2 with the X-Wing public key in `xwing` when the key has an X-Wing seed, else version 1.
 */
export async function exportKeyFile(key, passphrase, iterations) {
  const rounds = iterations || PBKDF2_ITERATIONS;
  const x25519 = await x25519Public(key.x25519Private);
  const ed25519 = await ed25519Public(key.ed25519Seed);
  const hasXWing = key.xwingSeed !== null && key.xwingSeed !== undefined;
  const xwing = hasXWing ? { xwing: b64u.encode(await xwingPublic(key.xwingSeed)) } : {};
  const version = hasXWing ? VERSION_PQ : VERSION;
  const kid = await fingerprint(x25519);
  const salt = randomBytes(16);
  const kdf = { name: KDF_NAME, iterations: rounds, salt: b64u.encode(salt) };
  const nonce = randomBytes(12);
  const secret = concat(key.x25519Private, key.ed25519Seed, hasXWing ? key.xwingSeed : new Uint8Array(0));
  const fileKey = await passphraseKey(passphrase, salt, rounds);
  const sealed = await aesEncrypt(fileKey, nonce, secret, keyFileAad(version, kdf, kid));
  secret.fill(0);
  return {
    type: "meldpunt-private-key",
    version,
    name: String(key.name ?? ""),
    kid,
    x25519: b64u.encode(x25519),
    ed25519: b64u.encode(ed25519),
    ...xwing,
    kdf,
    cipher: { name: "AES-256-GCM", nonce: b64u.encode(nonce) },
    ciphertext: b64u.encode(sealed),
  };
}

/** Read the fields of a key file (object or JSON text), throwing BadKeyFile when malformed. */
function parseKeyFile(json) {
  try {
    const data = typeof json === "string" ? JSON.parse(json) : json;
    if (field(data, "type") !== "meldpunt-private-key" || !KEY_FILE_VERSIONS.includes(field(data, "version"))) {
      throw new BadKeyFile("not a version 1 or 2 private key file");
    }
    const kdf = field(data, "kdf");
    const iterations = field(kdf, "iterations");
    if (
      field(kdf, "name") !== KDF_NAME ||
      !Number.isInteger(iterations) ||
      iterations < 1 ||
      iterations > MAX_ITERATIONS
    ) {
      throw new BadKeyFile("unsupported key derivation");
    }
    return {
      kdf,
      salt: b64u.decode(field(kdf, "salt")),
      nonce: b64u.decode(field(field(data, "cipher"), "nonce")),
      sealed: b64u.decode(field(data, "ciphertext")),
      kid: String(field(data, "kid")),
      name: String(data.name ?? ""),
      publics: [data.x25519, data.ed25519, data.xwing ?? null], // xwing: a version 2 file's, and only its
      version: data.version,
    };
  } catch (error) {
    if (error instanceof BadKeyFile) throw error;
    throw new BadKeyFile("malformed key file");
  }
}

/**
 * Turn an unlocked key into one whose X25519 and Ed25519 halves are non-extractable WebCrypto keys,
 * and wipe their raw bytes. Such a key can be kept (IndexedDB clones CryptoKeys) without script ever
 * reading those halves again. Returns null where WebCrypto lacks X25519 or Ed25519: the pure fallback
 * needs the raw bytes, which then live only in the page's memory.
 * The X-Wing seed of a version 2 key file (xwingSeed) stays raw bytes in the held key: WebCrypto has no
 * X-Wing (no ML-KEM), so the vendored X-Wing needs the seed itself. Whoever can read a kept key can read
 * that seed, and with it open every X-Wing wrap (envelope v2) of this key.
 */
export async function holdKey(key) {
  if ((await resolve("x25519")) !== "native" || (await resolve("ed25519")) !== "native") return null;
  const x25519Private = await nativeX25519Private(key.x25519Private);
  const ed25519Seed = await subtle().importKey(
    "pkcs8", concat(PKCS8_ED25519, key.ed25519Seed), { name: "Ed25519" }, false, ["sign"],
  );
  key.x25519Private.fill(0);
  key.ed25519Seed.fill(0);
  const held = { name: key.name, kid: key.kid, x25519Private, ed25519Seed };
  if (key.xwingSeed) held.xwingSeed = key.xwingSeed;
  return held;
}

/**
 * Unlock a key file; returns {name, x25519Private, ed25519Seed, kid}, the key matching the file's kid, and for a
 * version 2 file xwingSeed (32 bytes), whose X-Wing public key must be the file's `xwing`.
 */
export async function unlockKeyFile(json, passphrase) {
  const file = parseKeyFile(json);
  const key = await passphraseKey(passphrase, file.salt, file.kdf.iterations);
  const aad = keyFileAad(file.version, file.kdf, file.kid);
  const secret = await aesDecrypt(key, file.nonce, file.sealed, aad);
  if (!secret) throw new WrongPassphrase("the passphrase does not unlock this key file");
  // Version 1 holds X25519 and Ed25519 (64 bytes); version 2 adds the 32-byte X-Wing seed (docs/formats.md).
  if (secret.length !== (file.version === VERSION ? 64 : 64 + XWING_SEED_LEN)) {
    throw new BadKeyFile("the key file holds no key pair");
  }
  const x25519Private = secret.slice(0, 32);
  const ed25519Seed = secret.slice(32, 64);
  const xwingSeed = file.version === VERSION ? null : secret.slice(64);
  secret.fill(0);
  const publicX25519 = await x25519Public(x25519Private);
  const kid = await fingerprint(publicX25519);
  const publics = [
    b64u.encode(publicX25519),
    b64u.encode(await ed25519Public(ed25519Seed)),
    xwingSeed ? b64u.encode(await xwingPublic(xwingSeed)) : null,
  ];
  // A version 2 file without `xwing`, or a version 1 file with one, does not match either.
  if (kid !== file.kid || publics.some((value, i) => value !== file.publics[i])) {
    throw new BadKeyFile("the key does not match the public keys of the file");
  }
  const unlocked = { name: file.name, x25519Private, ed25519Seed, kid };
  if (xwingSeed) unlocked.xwingSeed = xwingSeed;
  return unlocked;
}

/** Sign the proof that this browser holds the key of an account: label, challenge, account id, kid. */
export async function signPossession(key, challenge, handlerId, kid) {
  if (!(challenge instanceof Uint8Array) || challenge.length !== 32 || !/^[0-9a-f]{64}$/.test(kid)) {
    throw new CryptoError("bad possession challenge or key id");
  }
  return ed25519Sign(key.ed25519Seed, concat(LABEL.possession, challenge, utf8(handlerId), fromHex(kid)));
}
