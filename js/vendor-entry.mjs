// What hotline/static/js/meldpunt-crypto.js takes from npm, and nothing more.
// Bundled by `npm run vendor` (js/build-vendor.mjs) into hotline/static/vendor/meldpunt-vendor.js.

// HPKE (RFC 9180) with WebCrypto: the suite, AES-256-GCM, HKDF-SHA256 and the native X25519 KEM.
export { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";

// The same KEM in pure JavaScript, for browsers whose WebCrypto has no X25519 (Tor Browser),
// and its X25519 primitives to derive a public key from a raw private key.
export { DhkemX25519HkdfSha256 as PureDhkemX25519HkdfSha256, X25519 as PureX25519 } from "@hpke/dhkem-x25519";

// Ed25519 in pure JavaScript (SHA-512 from WebCrypto), for browsers without native Ed25519.
export * as ed25519 from "@noble/ed25519";

// X-Wing (draft-connolly-cfrg-xwing-kem: ML-KEM-768 with X25519, HPKE KEM 0x647A) in pure JavaScript, for the
// post-quantum wraps of envelope v2 (docs/formats.md). WebCrypto has no ML-KEM, so every browser uses this one;
// it brings mlkem (ML-KEM-768, SHA-3 and SHAKE) and uses @hpke/dhkem-x25519's X25519.
export { XWing } from "@hpke/hybridkem-x-wing";

// SHA-256 in pure JavaScript, synchronous: only for the check symbols of a case token, so that
// tokens.generate() and tokens.normalise() can answer at once (WebCrypto's digest is async).
export { sha256 as pureSha256 } from "@hpke/common";
