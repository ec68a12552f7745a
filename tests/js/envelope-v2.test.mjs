// Envelope v2 (post-quantum X-Wing wraps, docs/formats.md) and version 2 key files in
// hotline/static/js/meldpunt-crypto.js, and what the workspace modules do with them: `npm test`.
// The classical halves run with both X25519/Ed25519 implementations (native skipped where Node lacks it);
// X-Wing is the vendored pure one in both.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { rewrap } from "../../hotline/static/js/handler-keys.js";
import * as mc from "../../hotline/static/js/meldpunt-crypto.js";
import { recipientsOf } from "../../hotline/static/js/page.js";
import * as reportKeys from "../../hotline/static/js/report-keys.js";
import { ed25519 as noble } from "../../hotline/static/vendor/meldpunt-vendor.js";

const { b64u } = mc;
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const XWING_VECTORS = JSON.parse(readFileSync(join(REPO, "tests", "data", "xwing", "draft-vectors.json"), "utf8"));
const text = new TextEncoder();
const SALT = "5eed5a17000102030405060708090a0b";
const PASSPHRASE = "test passphrase";
const XWING_WRAP = 1168; // enc 1120 || AES-256-GCM of the 32-byte data key
const CLASSICAL_WRAP = 80; // enc 32 || 48

mc.useImplementations({});
const detected = await mc.implementations();
const NATIVE = detected.x25519 === "native" && detected.ed25519 === "native";

/** Return n random bytes. */
const random = (n = 32) => crypto.getRandomValues(new Uint8Array(n));

/** Return SHA-256 of bytes. */
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

/** Join byte arrays. */
const concat = (...parts) => new Uint8Array(parts.flatMap((part) => [...part]));

/** Assert that an async call throws the named error class of the module (and, optionally, a message). */
async function rejectsWith(call, ErrorClass, message) {
  await assert.rejects(call, (error) => {
    assert.ok(error instanceof ErrorClass && error.name === ErrorClass.name, `${error.name}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/**
 * Make a handler: its raw key (with an X-Wing seed when post-quantum), its key file, its key list entry (with
 * `xwing` only when post-quantum) and the key as the workspace holds it once unlocked.
 */
async function makeHandler(name, { postQuantum = true } = {}) {
  const key = { name, x25519Private: random(), ed25519Seed: random(), ...(postQuantum ? { xwingSeed: random() } : {}) };
  const file = await mc.exportKeyFile(key, PASSPHRASE, 1000);
  const entry = {
    kid: file.kid,
    x25519: b64u.decode(file.x25519),
    ed25519: b64u.decode(file.ed25519),
    ...(postQuantum ? { xwing: b64u.decode(file.xwing) } : {}),
  };
  return { key: { ...key, kid: file.kid }, file, entry };
}

/** Return the wraps of an envelope for one kid. */
const wrapsOf = (envelope, kid) => envelope.recipients.filter((r) => r.kid === kid);

/** Seal a reporter's envelope to readers (entries) and, with own, the reporter's reply key too. */
async function sealFrom(reporter, readers, { kind = "report", own = false, plaintext = text.encode("melding") } = {}) {
  const recipients = readers.map((r) => r.entry ?? r);
  if (own) recipients.push({ kid: await mc.fingerprint(reporter.replyPublic), x25519: reporter.replyPublic });
  return mc.seal(plaintext, {
    kind,
    direction: "to_handlers",
    replyPublicKey: reporter.replyPublic,
    recipients,
    signer: "reporter",
    signingSeed: reporter.signingSeed,
  });
}

/** Sign a key list body as `hotline keys sign` does, with the given key entries as JSON (test only: noble). */
async function signKeyList(seed, destination, version, keys) {
  const body = JSON.stringify({ destination, keys, version });
  const signature = await noble.signAsync(text.encode(`meldpunt/v1/keylist${body}`), seed);
  const signer = await mc.fingerprint(await noble.getPublicKeyAsync(seed));
  return { type: "meldpunt-key-list", body, signer, signature: b64u.encode(signature) };
}

/** Return a key file's public entry as a key list body holds it (sorted keys; xwing only if the file has it). */
function listEntry(file) {
  const { ed25519, kid, name, x25519, xwing } = file;
  return { ed25519, kid, name, x25519, ...(xwing ? { xwing } : {}) };
}

/** Replace recipient i of envelope JSON with changes (a field set to undefined is removed). */
function withRecipient(envelope, i, changes) {
  const recipients = envelope.recipients.map((r, j) => {
    if (j !== i) return r;
    const changed = { ...r, ...changes };
    for (const [name, value] of Object.entries(changes)) if (value === undefined) delete changed[name];
    return changed;
  });
  return { ...envelope, recipients };
}

describe("X-Wing keys in the bundle", () => {
  test("a seed gives the draft's public key (draft-connolly-cfrg-xwing-kem vectors)", async () => {
    for (const v of XWING_VECTORS.kem.vectors) {
      assert.equal(mc.hex(await mc.hpke.xwingPublic(Uint8Array.from(Buffer.from(v.seed, "hex")))), v.pk);
    }
    await assert.rejects(mc.hpke.xwingPublic(random(31)), mc.CryptoError);
  });
});

for (const impl of ["native", "pure"]) {
  describe(`envelope v2 (${impl})`, { skip: impl === "native" && !NATIVE && "no native X25519/Ed25519" }, () => {
    let pq;
    let pq2;
    let classical;
    let reporter;
    let verifyKey;

    before(async () => {
      mc.useImplementations({ x25519: impl, ed25519: impl });
      pq = await makeHandler("Kwantumveilig");
      pq2 = await makeHandler("Ook kwantumveilig");
      classical = await makeHandler("Klassiek", { postQuantum: false });
      reporter = await mc.tokens.derive(mc.tokens.generate(), SALT);
      verifyKey = (signer) => (signer === "reporter" ? reporter.signingPublic : null);
    });

    /** Open options for a handler key object (x25519Private, and xwingSeed if it has one). */
    const as = (handler, extra = {}) => ({ ...handler.key, verifyKey, replyPublicKey: reporter.replyPublic, ...extra });

    test("an all-X-Wing list gives a v2 envelope that each reader opens with its seed", async () => {
      const envelope = await sealFrom(reporter, [pq, pq2]);
      const hdr = b64u.decode(envelope.hdr);
      assert.equal(envelope.v, 2);
      assert.equal(hdr.length, 89);
      assert.deepEqual([...hdr.slice(0, 7)], [0x02, 0x64, 0x7a, 0x00, 0x01, 0x00, 0x02]);
      assert.deepEqual(Object.keys(envelope), ["v", "hdr", "nonce", "ct", "recipients", "sig"]);
      for (const recipient of envelope.recipients) {
        assert.deepEqual(Object.keys(recipient), ["kid", "wrap"]);
        assert.equal(b64u.decode(recipient.wrap).length, XWING_WRAP);
      }
      for (const handler of [pq, pq2]) {
        assert.deepEqual(await mc.open(envelope, as(handler, { kind: "report" })), text.encode("melding"));
        const { plaintext, header } = await mc.openSelfSigned(envelope, {
          ...handler.key, enclosedKey: () => reporter.signingPublic, kind: "report",
        });
        assert.deepEqual(plaintext, text.encode("melding"));
        assert.equal(header.version, 2);
      }
    });

    test("a mixed list: X-Wing wraps for X-Wing readers only, classical ones marked x25519 for the rest", async () => {
      const big = random(20000);
      const envelope = await sealFrom(reporter, [pq, classical, pq2], { own: true, plaintext: big });
      const replyKid = await mc.fingerprint(reporter.replyPublic);
      assert.equal(envelope.v, 2);
      assert.deepEqual(envelope.recipients.map((r) => r.kid), [pq.file.kid, classical.file.kid, pq2.file.kid, replyKid]);
      for (const handler of [pq, pq2]) {
        const [wrap, ...more] = wrapsOf(envelope, handler.file.kid);
        assert.equal(more.length, 0, "an X-Wing reader gets no classical wrap beside its X-Wing one");
        assert.ok(!("kem" in wrap));
        assert.equal(b64u.decode(wrap.wrap).length, XWING_WRAP);
      }
      for (const kid of [classical.file.kid, replyKid]) {
        const [wrap, ...more] = wrapsOf(envelope, kid);
        assert.equal(more.length, 0);
        assert.deepEqual(Object.keys(wrap), ["kid", "wrap", "kem"]);
        assert.equal(wrap.kem, "x25519");
        assert.equal(b64u.decode(wrap.wrap).length, CLASSICAL_WRAP);
      }
      for (const handler of [pq, classical, pq2]) assert.deepEqual(await mc.open(envelope, as(handler)), big);
      // The reporter's token-derived reply key has no X-Wing part: it opens its classical wrap of a v2 envelope.
      const opened = await mc.open(envelope, { x25519Private: reporter.replyPrivate, verifyKey, kind: "report" });
      assert.deepEqual(opened, big);
    });

    test("a list without X-Wing keys gives envelope v1 exactly as before", async () => {
      const envelope = await sealFrom(reporter, [classical], { own: true });
      const hdr = b64u.decode(envelope.hdr);
      assert.equal(envelope.v, 1);
      assert.deepEqual([...hdr.slice(0, 7)], [0x01, 0x00, 0x20, 0x00, 0x01, 0x00, 0x02]);
      assert.equal(b64u.decode(envelope.ct).length, 4096 + 16);
      for (const recipient of envelope.recipients) {
        assert.deepEqual(Object.keys(recipient), ["kid", "wrap"]);
        assert.equal(b64u.decode(recipient.wrap).length, CLASSICAL_WRAP);
      }
      // A v1 wrap is v1's HPKE seal with v1's info: it opens with the bare HPKE layer and that info.
      const info = concat(text.encode("meldpunt/v1/wrap"), Buffer.from(classical.file.kid, "hex"), await sha256(hdr));
      const dek = await mc.hpke.open(classical.key.x25519Private, info, b64u.decode(envelope.recipients[0].wrap));
      assert.equal(dek.length, 32);
      assert.deepEqual(await mc.open(envelope, as(classical)), text.encode("melding"));
    });

    test("the wraps use v2's labels: X-Wing with meldpunt/v2/wrap, classical with meldpunt/v2/wrap-x25519", async () => {
      const envelope = await sealFrom(reporter, [pq, classical]);
      const hash = await sha256(b64u.decode(envelope.hdr));
      const info = (label, kid) => concat(text.encode(label), Buffer.from(kid, "hex"), hash);
      const [xwingWrap] = wrapsOf(envelope, pq.file.kid);
      const [classicalWrap] = wrapsOf(envelope, classical.file.kid);
      const xwingInfo = info("meldpunt/v2/wrap", pq.file.kid);
      const dek = await mc.hpke.xwingOpen(pq.key.xwingSeed, xwingInfo, b64u.decode(xwingWrap.wrap));
      const same = await mc.hpke.open(
        classical.key.x25519Private,
        info("meldpunt/v2/wrap-x25519", classical.file.kid),
        b64u.decode(classicalWrap.wrap),
      );
      assert.deepEqual(dek, same);
      const v1Info = info("meldpunt/v1/wrap", classical.file.kid);
      await assert.rejects(mc.hpke.open(classical.key.x25519Private, v1Info, b64u.decode(classicalWrap.wrap)));
      // A classical wrap sealed with v1's label, slipped into a v2 envelope, does not open there.
      const v1Labelled = await mc.hpke.seal(classical.entry.x25519, info("meldpunt/v1/wrap", classical.file.kid), dek);
      const relabelled = withRecipient(envelope, 1, { wrap: b64u.encode(v1Labelled) });
      await rejectsWith(mc.open(relabelled, as(classical)), mc.DecryptionFailed);
    });

    test("an X-Wing wrap does not open without the key's X-Wing seed, and says so", async () => {
      const envelope = await sealFrom(reporter, [pq, classical]);
      const { xwingSeed, ...withoutSeed } = pq.key;
      await rejectsWith(mc.open(envelope, as({ key: withoutSeed })), mc.DecryptionFailed, /X-Wing/);
      await rejectsWith(mc.open(envelope, as(pq, { xwingSeed: null })), mc.DecryptionFailed, /X-Wing/);
      const bare = mc.wrapsFor(envelope, pq.key.x25519Private, [classical.entry], { again: true });
      await rejectsWith(bare, mc.DecryptionFailed, /X-Wing/);
      await rejectsWith(mc.open(envelope, as(pq, { xwingSeed: pq2.key.xwingSeed })), mc.DecryptionFailed);
      await rejectsWith(mc.open(envelope, as(pq, { xwingSeed: random(31) })), mc.DecryptionFailed);
    });

    test("each wrap for the kid is tried in order; another data key is a CommitmentMismatch", async () => {
      const envelope = await sealFrom(reporter, [pq, classical]);
      const [good] = wrapsOf(envelope, pq.file.kid);
      const garbage = { kid: pq.file.kid, wrap: b64u.encode(random(XWING_WRAP)) };
      const garbageFirst = { ...envelope, recipients: [garbage, ...envelope.recipients] };
      assert.deepEqual(await mc.open(garbageFirst, as(pq)), text.encode("melding"));
      const onlyGarbage = { ...envelope, recipients: [garbage, envelope.recipients[1]] };
      await rejectsWith(mc.open(onlyGarbage, as(pq)), mc.DecryptionFailed);
      const hash = await sha256(b64u.decode(envelope.hdr));
      const info = concat(text.encode("meldpunt/v2/wrap"), Buffer.from(pq.file.kid, "hex"), hash);
      const other = { kid: pq.file.kid, wrap: b64u.encode(await mc.hpke.xwingSeal(pq.entry.xwing, info, random())) };
      const onlyOther = { ...envelope, recipients: [other, envelope.recipients[1]] };
      await rejectsWith(mc.open(onlyOther, as(pq)), mc.CommitmentMismatch);
      assert.deepEqual(await mc.open({ ...envelope, recipients: [other, good] }, as(pq)), text.encode("melding"));
      // A kid with an X-Wing wrap and a classical one (a key upgraded after sealing, then given access again).
      const classicalToo = await mc.wrapsFor(envelope, pq.key, [{ ...pq.entry, xwing: undefined }], { again: true });
      assert.equal(classicalToo[0].kem, "x25519");
      const both = { ...envelope, recipients: [...envelope.recipients, ...classicalToo] };
      const { xwingSeed, ...withoutSeed } = pq.key;
      assert.deepEqual(await mc.open(both, as({ key: withoutSeed })), text.encode("melding"));
    });

    test("parsing is strict about versions, KEMs and wrap lengths", async () => {
      const v2 = await sealFrom(reporter, [pq, classical]);
      const v1 = await sealFrom(reporter, [classical]);
      const malformed = (envelope) => rejectsWith(mc.open(envelope, as(classical)), mc.MalformedEnvelope);
      await malformed({ ...v2, v: 1 }); // a v2 header with "v": 1
      await malformed({ ...v1, v: 2 }); // a v1 header with "v": 2
      // The same where every wrap would pass for the other version: "v" and the header must agree all the same.
      const allXWing = await sealFrom(reporter, [pq]);
      await rejectsWith(mc.open({ ...allXWing, v: 1 }, as(pq)), mc.MalformedEnvelope);
      const marked = { ...v1, v: 2, recipients: v1.recipients.map((r) => ({ ...r, kem: "x25519" })) };
      await malformed(marked);
      for (const v of [3, 0, "2", true, null]) await malformed({ ...v2, v });
      await malformed(withRecipient(v2, 1, { kem: "foo" }));
      await malformed(withRecipient(v2, 1, { kem: "X25519" }));
      await malformed(withRecipient(v2, 1, { kem: null }));
      await malformed(withRecipient(v2, 1, { kem: "xwing" }));
      await malformed(withRecipient(v2, 0, { kem: "x25519" })); // an X-Wing wrap marked classical: 1168 bytes
      await malformed(withRecipient(v2, 1, { kem: undefined })); // a classical wrap taken for X-Wing: 80 bytes
      const xwingWrap = b64u.decode(v2.recipients[0].wrap);
      await malformed(withRecipient(v2, 0, { wrap: b64u.encode(xwingWrap.slice(0, -1)) }));
      await malformed(withRecipient(v2, 0, { wrap: b64u.encode(concat(xwingWrap, [0])) }));
      await malformed(withRecipient(v2, 1, { wrap: b64u.encode(random(81)) }));
      await malformed(withRecipient(v2, 1, { wrap: `${v2.recipients[1].wrap}=` }));
      await malformed(withRecipient(v1, 0, { kem: "x25519" })); // no kem in v1, not even x25519
      // A header whose version and suite do not belong together.
      const suite = (envelope, version, kem) => {
        const hdr = b64u.decode(envelope.hdr);
        hdr[0] = version;
        hdr.set(kem, 1);
        return { ...envelope, v: version, hdr: b64u.encode(hdr) };
      };
      await malformed(suite(v2, 2, [0x00, 0x20]));
      await malformed(suite(v1, 1, [0x64, 0x7a]));
      // The parse comes first: a well-formed envelope for someone else is NotARecipient, a malformed one is not.
      const outsider = await makeHandler("Buiten");
      await rejectsWith(mc.open(v2, as(outsider)), mc.NotARecipient);
      await rejectsWith(mc.open(withRecipient(v2, 1, { kem: "foo" }), as(outsider)), mc.MalformedEnvelope);
    });

    test("the version byte is covered: a v2 envelope relabelled v1 (or back) does not open", async () => {
      const envelope = await sealFrom(reporter, [classical]);
      const hdr = b64u.decode(envelope.hdr);
      hdr.set([0x02, 0x64, 0x7a], 0);
      const recipients = [{ ...envelope.recipients[0], kem: "x25519" }];
      const upgraded = { ...envelope, v: 2, hdr: b64u.encode(hdr), recipients };
      await rejectsWith(mc.open(upgraded, as(classical)), mc.DecryptionFailed);
    });

    test("sealing refuses an X-Wing key that is not one, and a reader listed twice gets its X-Wing wrap only", async () => {
      for (const xwing of [random(1215), pq.entry.xwing.slice(0, 1184), new Uint8Array(1216).fill(0xff), "b64u"]) {
        await rejectsWith(sealFrom(reporter, [{ ...pq.entry, xwing }]), mc.UnknownRecipient);
      }
      const without = { ...pq.entry, xwing: undefined };
      const twice = await sealFrom(reporter, [without, pq.entry, without]);
      assert.equal(twice.recipients.length, 1);
      assert.ok(!("kem" in twice.recipients[0]));
      assert.deepEqual(await mc.open(twice, as(pq)), text.encode("melding"));
    });

    test("wrapsFor and addRecipient: a v1 envelope gets v1 wraps, a v2 envelope the wrap each key calls for", async () => {
      const newcomer = await makeHandler("Nieuw");
      const classicalNewcomer = await makeHandler("Nieuw klassiek", { postQuantum: false });
      const v1 = await sealFrom(reporter, [classical]);
      const v1Wraps = await mc.wrapsFor(v1, classical.key, [newcomer.entry, classicalNewcomer.entry]);
      assert.deepEqual(v1Wraps.map((w) => Object.keys(w)), [["kid", "wrap"], ["kid", "wrap"]]);
      assert.ok(v1Wraps.every((w) => b64u.decode(w.wrap).length === CLASSICAL_WRAP));
      const widenedV1 = { ...v1, recipients: [...v1.recipients, ...v1Wraps] };
      for (const handler of [newcomer, classicalNewcomer]) {
        assert.deepEqual(await mc.open(widenedV1, as(handler)), text.encode("melding"));
      }
      // The bare X25519 key still works as before on a v1 envelope.
      assert.equal((await mc.wrapsFor(v1, classical.key.x25519Private, [newcomer.entry])).length, 1);

      const v2 = await sealFrom(reporter, [pq, classical]);
      for (const opener of [pq, classical]) {
        const wraps = await mc.wrapsFor(v2, opener.key, [pq.entry, newcomer.entry, classicalNewcomer.entry]);
        assert.deepEqual(wraps.map((w) => w.kid), [newcomer.file.kid, classicalNewcomer.file.kid]);
        assert.ok(!("kem" in wraps[0]));
        assert.equal(b64u.decode(wraps[0].wrap).length, XWING_WRAP);
        assert.equal(wraps[1].kem, "x25519");
        const widened = { ...v2, recipients: [...v2.recipients, ...wraps] };
        for (const handler of [newcomer, classicalNewcomer]) {
          assert.deepEqual(await mc.open(widened, as(handler)), text.encode("melding"));
        }
      }
      const added = await mc.addRecipient(v2, pq.key, newcomer.entry);
      assert.equal(added.ct, v2.ct);
      assert.equal(added.sig.value, v2.sig.value);
      assert.deepEqual(added.recipients.slice(0, 2), v2.recipients);
      assert.deepEqual(await mc.open(added, as(newcomer)), text.encode("melding"));
      assert.equal(await mc.addRecipient(added, newcomer.key, newcomer.entry), added);
      const again = await mc.wrapsFor(v2, classical.key, [pq.entry], { again: true });
      assert.ok(!("kem" in again[0]));
    });

    test("key files: version 2 round-trips with its X-Wing seed; a mismatch or a missing xwing is refused", async () => {
      const file = pq.file;
      assert.equal(file.version, 2);
      assert.deepEqual(Object.keys(file), [
        "type", "version", "name", "kid", "x25519", "ed25519", "xwing", "kdf", "cipher", "ciphertext",
      ]);
      assert.deepEqual(b64u.decode(file.xwing), await mc.hpke.xwingPublic(pq.key.xwingSeed));
      const unlocked = await mc.unlockKeyFile(JSON.stringify(file), PASSPHRASE);
      assert.deepEqual(unlocked, {
        name: pq.key.name,
        x25519Private: pq.key.x25519Private,
        ed25519Seed: pq.key.ed25519Seed,
        xwingSeed: pq.key.xwingSeed,
        kid: file.kid,
      });
      assert.ok(unlocked.xwingSeed instanceof Uint8Array && unlocked.xwingSeed.length === 32);
      // Exported again, the unlocked key is the same version 2 key.
      const again = await mc.exportKeyFile(unlocked, "ander", 1000);
      assert.equal(again.xwing, file.xwing);

      const mismatch = /does not match the public keys of the file/;
      await rejectsWith(mc.unlockKeyFile({ ...file, xwing: pq2.file.xwing }, PASSPHRASE), mc.BadKeyFile, mismatch);
      const { xwing, ...withoutXWing } = file;
      await rejectsWith(mc.unlockKeyFile(withoutXWing, PASSPHRASE), mc.BadKeyFile, mismatch);
      await rejectsWith(mc.unlockKeyFile({ ...file, xwing: null }, PASSPHRASE), mc.BadKeyFile, mismatch);
      await rejectsWith(mc.unlockKeyFile({ ...classical.file, xwing: file.xwing }, PASSPHRASE), mc.BadKeyFile, mismatch);
      // The associated data names the version: a version 2 file relabelled 1 (or 3) does not unlock.
      await rejectsWith(mc.unlockKeyFile({ ...file, version: 1 }, PASSPHRASE), mc.WrongPassphrase);
      await rejectsWith(mc.unlockKeyFile({ ...file, version: 3 }, PASSPHRASE), mc.BadKeyFile);

      // Version 1 stays as it was: no xwing field, and no xwingSeed once unlocked.
      assert.equal(classical.file.version, 1);
      assert.ok(!("xwing" in classical.file));
      assert.ok(!("xwingSeed" in (await mc.unlockKeyFile(classical.file, PASSPHRASE))));
    });

    test("an unlocked version 2 key opens and re-wraps a v2 case in the workspace modules", async () => {
      const envelope = await sealFrom(reporter, [pq, classical]);
      const followUp = await sealFrom(reporter, [pq, classical], {
        kind: "message", own: true, plaintext: text.encode('{"text": "Vervolg"}'),
      });
      const signingKey = b64u.encode(reporter.signingPublic);
      const report = await sealFrom(reporter, [pq, classical], {
        plaintext: text.encode(JSON.stringify({ description: "Melding", reporter_signing_key: signingKey })),
      });
      const bundle = {
        case: { reporter_signing_key: signingKey, reply_public_key: b64u.encode(reporter.replyPublic) },
        envelopes: [report, followUp],
      };
      const key = await mc.unlockKeyFile(pq.file, PASSPHRASE);
      const found = await reportKeys.fromReport(bundle, key);
      assert.equal(found.source, reportKeys.BOUND);
      const opened = await reportKeys.openEnvelope(followUp, key, found, new Map());
      assert.equal(new TextDecoder().decode(opened.plaintext), '{"text": "Vervolg"}');

      const newcomer = await makeHandler("Collega");
      const readers = recipientsOf([{ keys: [pq.entry, classical.entry] }, { keys: [newcomer.entry] }]);
      assert.deepEqual(readers.map((r) => Boolean(r.xwing)), [true, false, true]);
      const wraps = await rewrap({ envelopes: [envelope] }, key, readers, { skipUnreadable: false });
      const [added] = Object.values(wraps);
      assert.deepEqual(added.map((w) => w.kid), [newcomer.file.kid]);
      assert.ok(!("kem" in added[0]));
      const widened = { ...envelope, recipients: [...envelope.recipients, ...added] };
      assert.deepEqual(await mc.open(widened, as(newcomer)), text.encode("melding"));
    });
  });
}

describe("recipientsOf", () => {
  test("keeps each key's X-Wing key, also when another list has the key without one", async () => {
    const pq = await makeHandler("Een");
    const plain = await makeHandler("Twee", { postQuantum: false });
    const old = { ...pq.entry };
    delete old.xwing;
    const readers = recipientsOf([{ keys: [old, plain.entry] }, { keys: [pq.entry] }, { keys: [old] }]);
    assert.deepEqual(readers.map((r) => r.kid), [pq.file.kid, plain.file.kid]);
    assert.deepEqual(readers[0].xwing, pq.entry.xwing);
    assert.deepEqual(Object.keys(readers[1]), ["kid", "x25519"]);
  });
});

describe("key lists with X-Wing keys", () => {
  test("a key's xwing is read when present and absent when not; a bad one fails the list", async () => {
    const seed = random();
    const institution = await noble.getPublicKeyAsync(seed);
    const pq = await makeHandler("Kwantumveilig");
    const classical = await makeHandler("Klassiek", { postQuantum: false });
    const doc = await signKeyList(seed, "hbo-ict", 2, [listEntry(pq.file), listEntry(classical.file)]);
    const list = await mc.verifyKeyList(doc, institution, "hbo-ict");
    assert.deepEqual(list.keys[0].xwing, b64u.decode(pq.file.xwing));
    assert.equal(list.keys[0].xwing.length, 1216);
    assert.ok(!("xwing" in list.keys[1]));
    assert.deepEqual(Object.keys(list.keys[1]), ["name", "kid", "x25519", "ed25519"]);

    const bad = [
      b64u.encode(random(1215)),
      b64u.encode(random(1217)),
      b64u.encode(new Uint8Array(1216).fill(0xff)), // ML-KEM coefficients above q: fails FIPS 203's modulus check
      `${pq.file.xwing}=`,
      null,
      42,
    ];
    for (const xwing of bad) {
      const forged = await signKeyList(seed, "hbo-ict", 2, [{ ...listEntry(pq.file), xwing }]);
      await rejectsWith(mc.verifyKeyList(forged, institution, "hbo-ict"), mc.KeyListError);
    }
    // The xwing field is signed with the rest: swapping it in the body breaks the signature.
    const body = JSON.parse(doc.body);
    body.keys[0].xwing = (await makeHandler("Ander")).file.xwing;
    await rejectsWith(mc.verifyKeyList({ ...doc, body: JSON.stringify(body) }, institution, "hbo-ict"), mc.KeyListError);
  });
});

describe("a held version 2 key", { skip: !NATIVE && "no native X25519/Ed25519" }, () => {
  test("keeps the X-Wing seed as raw bytes beside its non-extractable keys, and opens with it", async () => {
    mc.useImplementations({});
    const handler = await makeHandler("Vastgehouden");
    const colleague = await makeHandler("Collega", { postQuantum: false });
    const reporter = await mc.tokens.derive(mc.tokens.generate(), SALT);
    const envelope = await sealFrom(reporter, [handler]);
    const held = await mc.holdKey(await mc.unlockKeyFile(handler.file, PASSPHRASE));
    assert.ok(held.x25519Private instanceof CryptoKey && held.ed25519Seed instanceof CryptoKey);
    assert.deepEqual(held.xwingSeed, handler.key.xwingSeed);
    assert.deepEqual(structuredClone(held).xwingSeed, handler.key.xwingSeed); // what IndexedDB keeps
    const verifyKey = () => reporter.signingPublic;
    assert.deepEqual(await mc.open(envelope, { ...held, verifyKey }), text.encode("melding"));
    const wraps = await mc.wrapsFor(envelope, held, [colleague.entry]);
    assert.equal(wraps[0].kem, "x25519");
    const widened = { ...envelope, recipients: [...envelope.recipients, ...wraps] };
    assert.deepEqual(await mc.open(widened, { ...colleague.key, verifyKey }), text.encode("melding"));
    const classicalHeld = await mc.holdKey(await mc.unlockKeyFile(colleague.file, PASSPHRASE));
    assert.ok(!("xwingSeed" in classicalHeld));
  });
});
