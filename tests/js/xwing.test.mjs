// X-Wing (HPKE KEM 0x647A) in @hpke/hybridkem-x-wing against published vectors, and the helpers of xwing.mjs that
// tests/test_xwing_interop.py drives: `npm test` (node --test tests/js/).
// Vectors: tests/data/xwing/draft-vectors.json (draft-connolly-cfrg-xwing-kem and draft-ietf-hpke-pq; sources there).
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { AeadId, CipherSuite, HkdfSha256, KemId, OpenError } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";
import { ENC_BYTES, fromHex, open, PUBLIC_BYTES, publicFromSeed, SEED_BYTES, seal, toHex } from "./xwing.mjs";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VECTORS = JSON.parse(readFileSync(join(REPO, "tests", "data", "xwing", "draft-vectors.json"), "utf8"));
const HPKE = VECTORS.hpke.vector;
const text = new TextEncoder();

/** Return bytes as hex, for readable assertion failures. */
const hex = (bytes) => toHex(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);

/** Return SHAKE256 of data, `length` bytes long. */
function shake256(data, length) {
  return new Uint8Array(createHash("shake256", { outputLength: length }).update(data).digest());
}

/** ChaCha20-Poly1305 (AEAD 0x0003) from node:crypto, as @hpke/core's AeadInterface: @hpke/core 1.9.0 ships only
 * AES-GCM, and the one draft-ietf-hpke-pq vector for 0x647A with HKDF-SHA256 uses ChaCha20-Poly1305. Test only. */
const nodeChaCha20Poly1305 = {
  id: AeadId.Chacha20Poly1305,
  keySize: 32,
  nonceSize: 12,
  tagSize: 16,
  createEncryptionContext(key) {
    const k = new Uint8Array(key);
    return {
      async seal(iv, data, aad) {
        const cipher = createCipheriv("chacha20-poly1305", k, new Uint8Array(iv), { authTagLength: 16 });
        cipher.setAAD(new Uint8Array(aad));
        const out = Buffer.concat([cipher.update(new Uint8Array(data)), cipher.final(), cipher.getAuthTag()]);
        return new Uint8Array(out).buffer;
      },
      async open(iv, data, aad) {
        const bytes = new Uint8Array(data);
        const decipher = createDecipheriv("chacha20-poly1305", k, new Uint8Array(iv), { authTagLength: 16 });
        decipher.setAAD(new Uint8Array(aad));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        const out = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
        return new Uint8Array(out).buffer;
      },
    };
  },
};

describe("XWing of @hpke/hybridkem-x-wing", () => {
  test("is KEM 0x647A with a 32-byte private key, a 1216-byte public key and a 1120-byte enc", () => {
    const kem = new XWing();
    assert.equal(kem.id, 0x647a);
    assert.equal(kem.id, KemId.XWing);
    assert.equal(kem.privateKeySize, SEED_BYTES);
    assert.equal(kem.publicKeySize, PUBLIC_BYTES);
    assert.equal(kem.encSize, ENC_BYTES);
    assert.equal(kem.secretSize, 32);
  });

  for (const [i, v] of VECTORS.kem.vectors.entries()) {
    test(`draft-connolly-cfrg-xwing-kem vector ${i}: keys, encapsulation and decapsulation`, async () => {
      const kem = new XWing();
      const { privateKey, publicKey } = await kem.generateKeyPairDerand(fromHex(v.seed));
      assert.equal(hex(await kem.serializePrivateKey(privateKey)), v.sk);
      assert.equal(hex(await kem.serializePublicKey(publicKey)), v.pk);
      assert.equal(hex(await publicFromSeed(fromHex(v.seed))), v.pk);

      const encapsulated = await kem.encap({ recipientPublicKey: publicKey, ekm: fromHex(v.eseed) });
      assert.equal(hex(encapsulated.enc), v.ct);
      assert.equal(hex(encapsulated.sharedSecret), v.ss);

      const recipientKey = await kem.deserializePrivateKey(fromHex(v.sk));
      assert.equal(hex(await kem.decap({ enc: fromHex(v.ct), recipientKey })), v.ss);
    });
  }

  test("draft-ietf-hpke-pq vector (0x647A, HKDF-SHA256, ChaCha20-Poly1305): keys, decap, open, export", async () => {
    const kem = new XWing();
    const { publicKey } = await kem.generateKeyPairDerand(fromHex(HPKE.skRm));
    assert.equal(hex(await kem.serializePublicKey(publicKey)), HPKE.pkRm);
    const recipientKey = await kem.deserializePrivateKey(fromHex(HPKE.skRm));
    assert.equal(hex(await kem.decap({ enc: fromHex(HPKE.enc), recipientKey })), HPKE.shared_secret);

    const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: nodeChaCha20Poly1305 });
    const recipient = await suite.createRecipientContext({
      recipientKey,
      enc: fromHex(HPKE.enc),
      info: fromHex(HPKE.info),
    });
    const [first] = HPKE.encryptions;
    assert.equal(hex(await recipient.open(fromHex(first.ct), fromHex(first.aad))), first.pt);
    for (const e of HPKE.exports) {
      assert.equal(hex(await recipient.export(fromHex(e.exporter_context), e.L)), e.exported_value);
    }
  });

  test("deriveKeyPair(ikm) is the X-Wing draft's SHAKE256(ikm), not draft-ietf-hpke-pq's LabeledDerive", async () => {
    // Known divergence, pinned so that a change in the library shows up: keys must come from 32-byte seeds
    // (generateKeyPairDerand / deserializePrivateKey), which both drafts and cryptography agree on.
    const ikm = fromHex(HPKE.ikmR);
    const kem = new XWing();
    const { privateKey } = await kem.deriveKeyPair(ikm);
    const derived = hex(await kem.serializePrivateKey(privateKey));
    assert.equal(derived, hex(shake256(ikm, 32)), "draft-connolly-cfrg-xwing-kem, 'Use in HPKE'");
    assert.notEqual(derived, HPKE.skRm);
    const label = text.encode("DeriveKeyPair");
    const labeled = Buffer.concat([
      ikm,
      text.encode("HPKE-v1"),
      text.encode("KEM"),
      new Uint8Array([0x64, 0x7a, 0, label.length]),
      label,
      new Uint8Array([0, 32]),
    ]);
    assert.equal(hex(shake256(labeled, 32)), HPKE.skRm, "draft-ietf-hpke-pq: SHAKE256.LabeledDerive(ikm, ...)");
  });
});

describe("xwing.mjs helpers (X-Wing, HKDF-SHA256, AES-256-GCM)", () => {
  const seed = fromHex(VECTORS.kem.vectors[0].seed);
  const info = text.encode("meldpunt/test/xwing info");
  const aad = text.encode("meldpunt/test/xwing aad");
  const plaintext = text.encode("Verzegeld met X-Wing \u00e9\u00e9n keer");

  test("seal and open round-trip with info and aad; enc is 1120 bytes", async () => {
    const { enc, ct } = await seal(await publicFromSeed(seed), plaintext, info, aad);
    assert.equal(enc.length, ENC_BYTES);
    assert.equal(ct.length, plaintext.length + 16);
    assert.deepEqual(await open(seed, enc, ct, info, aad), plaintext);
  });

  test("a wrong info, aad or seed does not open", async () => {
    const { enc, ct } = await seal(await publicFromSeed(seed), plaintext, info, aad);
    const other = fromHex(VECTORS.kem.vectors[1].seed);
    await assert.rejects(open(seed, enc, ct, text.encode("other"), aad), OpenError);
    await assert.rejects(open(seed, enc, ct, info, new Uint8Array(0)), OpenError);
    await assert.rejects(open(other, enc, ct, info, aad), OpenError);
  });

  test("a seed must be 32 bytes", async () => {
    await assert.rejects(publicFromSeed(new Uint8Array(31)), RangeError);
  });
});
