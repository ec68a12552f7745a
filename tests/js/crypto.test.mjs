// Unit tests of hotline/static/js/meldpunt-crypto.js: `npm test` (node --test tests/js/).
// Every envelope, key file and key list test runs with both X25519/Ed25519 implementations:
// WebCrypto's ("native", skipped where Node lacks it) and the vendored pure ones ("pure").
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as mc from "../../hotline/static/js/meldpunt-crypto.js";
import { ed25519 as noble } from "../../hotline/static/vendor/meldpunt-vendor.js";

const { b64u } = mc;
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VECTORS = join(
  process.env.HOTLINE_VECTORS_DIR || join(REPO, "..", "shared", "vectors"),
  "hpke-x25519-sha256-aes256gcm.json",
);
const text = new TextEncoder();
const SALT = "5eed5a17000102030405060708090a0b";

mc.useImplementations({ x25519: "auto", ed25519: "auto" });
const detected = await mc.implementations();
const NATIVE = detected.x25519 === "native" && detected.ed25519 === "native";

/** Return n random bytes. */
function random(n = 32) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Return bytes from hex. */
function fromHex(hex) {
  return Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
}

/** Make a handler: raw private keys and the public entry of a key list. */
async function makeHandler(name) {
  const key = { name, x25519Private: random(), ed25519Seed: random() };
  const file = await mc.exportKeyFile(key, "test passphrase", 1000);
  return { key, file, entry: { kid: file.kid, x25519: b64u.decode(file.x25519), ed25519: b64u.decode(file.ed25519) } };
}

/** Sign a key list body the way `hotline keys sign` does (test only: noble with the institution seed). */
async function signKeyList(seed, destination, version, handlers) {
  const keys = handlers.map(({ file }) => ({
    ed25519: file.ed25519,
    kid: file.kid,
    name: file.name,
    x25519: file.x25519,
  }));
  const body = JSON.stringify({ destination, keys, version });
  const signature = await noble.signAsync(text.encode(`meldpunt/v1/keylist${body}`), seed);
  const signer = await mc.fingerprint(await noble.getPublicKeyAsync(seed));
  return { type: "meldpunt-key-list", body, signer, signature: b64u.encode(signature) };
}

/** Flip one bit of a b64u field. */
function flip(encoded, index = 0) {
  const bytes = b64u.decode(encoded);
  bytes[index] ^= 1;
  return b64u.encode(bytes);
}

/** Assert that an async call throws the named error class of the module. */
async function rejectsWith(call, ErrorClass) {
  await assert.rejects(call, (error) => error instanceof ErrorClass && error.name === ErrorClass.name);
}

describe("base64url", () => {
  test("round-trips every length", () => {
    for (let n = 0; n < 40; n++) assert.deepEqual(b64u.decode(b64u.encode(random(n))).length, n);
    assert.equal(b64u.encode(text.encode("meldpunt")), "bWVsZHB1bnQ");
    assert.equal(b64u.encode(new Uint8Array([251, 255])), "-_8");
  });

  test("refuses padding, other characters and non-canonical trailing bits", () => {
    for (const bad of ["bWVsZHB1bnQ=", "AA==", "a+b/", "ab cd", "A", "AAAAA", "AB", "AAB", "€", 42, null]) {
      assert.throws(() => b64u.decode(bad), mc.MalformedEnvelope, String(bad));
    }
  });
});

describe("padding", () => {
  test("buckets: at least 4 KiB, then Padmé", () => {
    const cases = [
      [0, 4096],
      [4096, 4096],
      [4097, 4352],
      [8192, 8192],
      [10004, 10240],
      [1e6, 1015808],
    ];
    for (const [length, size] of cases) assert.equal(mc.paddedSize(length), size, `paddedSize(${length})`);
  });

  test("pad and unpad round-trip; bad padding is refused", () => {
    for (const n of [0, 1, 4092, 4093, 9000]) {
      const padded = mc.pad(random(n));
      assert.equal(padded.length, mc.paddedSize(4 + n));
      assert.equal(mc.unpad(padded).length, n);
    }
    const padded = mc.pad(text.encode("hallo"));
    padded[100] = 1;
    assert.throws(() => mc.unpad(padded), mc.MalformedEnvelope);
    assert.throws(() => mc.unpad(new Uint8Array([0, 0, 1, 0, 0])), mc.MalformedEnvelope);
    assert.throws(() => mc.unpad(new Uint8Array(3)), mc.MalformedEnvelope);
  });
});

describe("case tokens", () => {
  test("generate gives five groups of five and a valid check pair", () => {
    const token = mc.tokens.generate();
    assert.match(token, /^([0-9A-HJKMNP-TV-Z]{5}-){5}[0-9A-HJKMNP-TV-Z]{2}$/);
    assert.equal(mc.tokens.normalise(token), token);
  });

  test("normalise tolerates case, spaces, dashes and 0/O, 1/I/L", () => {
    let token = mc.tokens.generate();
    while (!/[01]/.test(token.slice(0, -3))) token = mc.tokens.generate();
    const typed = token.toLowerCase().replaceAll("-", " \u00a0").replace("0", "o").replace("1", "l");
    assert.equal(mc.tokens.normalise(`  ${typed}\n`), token);
  });

  test("a typo fails the check; the wrong length or characters is malformed", () => {
    const token = "01FFS-S2ST3-45678-9ABCD-EGHJK-0T"; // its typo below is caught (checked against Python)
    assert.equal(mc.tokens.normalise(token), token);
    assert.throws(() => mc.tokens.normalise("01FFS-S2ST3-45678-9BBCD-EGHJK-0T"), mc.TokenChecksumError);
    assert.throws(() => mc.tokens.normalise(token.slice(0, -1)), mc.MalformedToken);
    assert.throws(() => mc.tokens.normalise(token.replace(/[0-9A-Z]/, "U")), mc.MalformedToken);
    assert.throws(() => mc.tokens.normalise(""), mc.MalformedToken);
  });

  test("derive is deterministic and depends on the salt", async () => {
    const token = mc.tokens.generate();
    const a = await mc.tokens.derive(token, SALT);
    const b = await mc.tokens.derive(token.toLowerCase(), fromHex(SALT));
    const other = await mc.tokens.derive(token, "00");
    for (const name of ["lookupKey", "replyPrivate", "replyPublic", "signingSeed", "signingPublic", "replyXWingSeed"]) {
      assert.equal(a[name].length, 32);
      assert.deepEqual(a[name], b[name]);
      assert.notDeepEqual(a[name], other[name]);
    }
    assert.deepEqual(a.replyXWingPublic, await mc.hpke.xwingPublic(a.replyXWingSeed)); // 1216 bytes, from the seed
    assert.notDeepEqual(a.replyXWingPublic, other.replyXWingPublic);
  });

  test("the reporter is a post-quantum reader, except for a case filed before", async () => {
    const keys = await mc.tokens.derive(mc.tokens.generate(), SALT);
    const kid = await mc.fingerprint(keys.replyPublic);
    assert.deepEqual(await mc.tokens.reader(keys), { kid, x25519: keys.replyPublic, xwing: keys.replyXWingPublic });
    assert.deepEqual(await mc.tokens.reader(keys, false), { kid, x25519: keys.replyPublic });
    assert.deepEqual(mc.tokens.openingKey(keys), { x25519Private: keys.replyPrivate, xwingSeed: keys.replyXWingSeed });
  });
});

describe("shared HPKE vectors (sealed by @hpke/core 1.9.0)", () => {
  const vectors = existsSync(VECTORS) ? JSON.parse(readFileSync(VECTORS, "utf8")).vectors : [];
  const skip = existsSync(VECTORS) ? false : `no vectors at ${VECTORS}`;
  for (const impl of ["native", "pure"]) {
    test(
      `open every vector (${impl})`,
      { skip: skip || (impl === "native" && !NATIVE && "no native X25519") },
      async () => {
        mc.useImplementations({ x25519: impl, ed25519: impl });
        for (const v of vectors) {
          const opened = await mc.hpke.open(fromHex(v.skR), fromHex(v.info), fromHex(v.single_shot));
          assert.equal(mc.hex(opened), v.pt);
          const sealed = await mc.hpke.seal(fromHex(v.pkR), fromHex(v.info), fromHex(v.pt));
          assert.equal(mc.hex(await mc.hpke.open(fromHex(v.skR), fromHex(v.info), sealed)), v.pt);
        }
        const v = vectors[1];
        await assert.rejects(mc.hpke.open(fromHex(v.skR), new Uint8Array(0), fromHex(v.single_shot)));
      },
    );
  }
});

for (const impl of ["native", "pure"]) {
  describe(
    `envelopes, key lists and key files (${impl})`,
    { skip: impl === "native" && !NATIVE && "no native X25519/Ed25519" },
    () => {
      let handlers;
      let outsider;
      let reporter;
      let institutionSeed;
      const message = text.encode(JSON.stringify({ text: "Het gaat om mijn stagebegeleider. Één keer." }));

      before(async () => {
        mc.useImplementations({ x25519: impl, ed25519: impl });
        handlers = await Promise.all(["Een", "Twee", "Drie"].map(makeHandler));
        outsider = await makeHandler("Buitenstaander");
        reporter = await mc.tokens.derive(mc.tokens.generate(), SALT);
        institutionSeed = random();
      });

      /** Seal a report from the reporter to some handlers. */
      function sealReport(recipients, plaintext = message) {
        return mc.seal(plaintext, {
          kind: "report",
          direction: "to_handlers",
          replyPublicKey: reporter.replyPublic,
          recipients: recipients.map((h) => h.entry),
          signer: "reporter",
          signingSeed: reporter.signingSeed,
        });
      }

      /** Open options for a handler of a reporter's envelope. */
      function asHandler(handler, extra = {}) {
        const verifyKey = (signer) => (signer === "reporter" ? reporter.signingPublic : null);
        return { x25519Private: handler.key.x25519Private, verifyKey, replyPublicKey: reporter.replyPublic, ...extra };
      }

      test("seal and open with one recipient", async () => {
        const envelope = await sealReport([handlers[0]]);
        assert.deepEqual(Object.keys(envelope), ["v", "hdr", "nonce", "ct", "recipients", "sig"]);
        assert.equal(b64u.decode(envelope.hdr).length, 89);
        assert.equal(b64u.decode(envelope.ct).length, 4096 + 16);
        assert.deepEqual(await mc.open(envelope, asHandler(handlers[0], { kind: "report" })), message);
      });

      test("seal and open with three recipients, each opening alone", async () => {
        const big = random(20000);
        const envelope = await sealReport(handlers, big);
        assert.deepEqual(
          envelope.recipients.map((r) => r.kid),
          handlers.map((h) => h.file.kid),
        );
        for (const handler of handlers) assert.deepEqual(await mc.open(envelope, asHandler(handler)), big);
      });

      test("a handler's reply opens with the token's reply key", async () => {
        const reply = { kid: await mc.fingerprint(reporter.replyPublic), x25519: reporter.replyPublic };
        const envelope = await mc.seal(message, {
          kind: "message",
          direction: "to_reporter",
          replyPublicKey: reporter.replyPublic,
          recipients: [handlers[0].entry, reply],
          signer: handlers[0].file.kid,
          signingSeed: handlers[0].key.ed25519Seed,
        });
        const verifyKey = (signer) => (signer === handlers[0].file.kid ? handlers[0].entry.ed25519 : null);
        const options = { x25519Private: reporter.replyPrivate, verifyKey, replyPublicKey: reporter.replyPublic };
        assert.deepEqual(await mc.open(envelope, { ...options, kind: "message" }), message);
        await rejectsWith(mc.open(envelope, { ...options, verifyKey: () => reporter.signingPublic }), mc.BadSignature);
      });

      test("a non-recipient gets NotARecipient", async () => {
        const envelope = await sealReport([handlers[0], handlers[1]]);
        await rejectsWith(mc.open(envelope, asHandler(outsider)), mc.NotARecipient);
      });

      test("tampered ciphertext, signature or header is refused", async () => {
        const envelope = await sealReport([handlers[0]]);
        const open = (changed) => mc.open(changed, asHandler(handlers[0]));
        await rejectsWith(open({ ...envelope, ct: flip(envelope.ct, 100) }), mc.BadSignature);
        await rejectsWith(open({ ...envelope, nonce: flip(envelope.nonce) }), mc.BadSignature);
        await rejectsWith(
          open({ ...envelope, sig: { ...envelope.sig, value: flip(envelope.sig.value) } }),
          mc.BadSignature,
        );
        await rejectsWith(open({ ...envelope, sig: { ...envelope.sig, signer: "someone" } }), mc.BadSignature);
        await rejectsWith(open({ ...envelope, hdr: flip(envelope.hdr, 30) }), mc.DecryptionFailed);
        const wraps = [{ ...envelope.recipients[0], wrap: flip(envelope.recipients[0].wrap, 40) }];
        await rejectsWith(open({ ...envelope, recipients: wraps }), mc.DecryptionFailed);
        await rejectsWith(open({ ...envelope, hdr: flip(envelope.hdr, 7) }), mc.MalformedEnvelope);
        await rejectsWith(open({ ...envelope, v: 2 }), mc.MalformedEnvelope);
        // A kid may carry several wraps (a re-wrap beside a bad one): each is tried, so the valid one opens.
        assert.ok(await open({ ...envelope, recipients: [...wraps, envelope.recipients[0]] }));
        const { sig, ...unsigned } = envelope;
        await rejectsWith(open(unsigned), mc.MalformedEnvelope);
      });

      test("another case or kind is WrongCase", async () => {
        const envelope = await sealReport([handlers[0]]);
        const otherCase = await mc.tokens.derive(mc.tokens.generate(), SALT);
        await rejectsWith(
          mc.open(envelope, asHandler(handlers[0], { replyPublicKey: otherCase.replyPublic })),
          mc.WrongCase,
        );
        await rejectsWith(mc.open(envelope, asHandler(handlers[0], { kind: "message" })), mc.WrongCase);
      });

      test("a wrap of another data key is a CommitmentMismatch", async () => {
        const envelope = await sealReport([handlers[0], handlers[1]]);
        const hdr = b64u.decode(envelope.hdr);
        const kid = handlers[1].file.kid;
        const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", hdr));
        const info = new Uint8Array([...text.encode("meldpunt/v1/wrap"), ...fromHex(kid), ...hash]);
        const wrap = b64u.encode(await mc.hpke.seal(handlers[1].entry.x25519, info, random()));
        const forged = { ...envelope, recipients: [envelope.recipients[0], { kid, wrap }] };
        assert.deepEqual(await mc.open(forged, asHandler(handlers[0])), message);
        await rejectsWith(mc.open(forged, asHandler(handlers[1])), mc.CommitmentMismatch);
      });

      test("addRecipient appends one wrap and leaves the payload alone", async () => {
        const envelope = await sealReport([handlers[0]]);
        const added = await mc.addRecipient(envelope, handlers[0].key.x25519Private, outsider.entry);
        assert.equal(added.ct, envelope.ct);
        assert.equal(added.sig.value, envelope.sig.value);
        assert.deepEqual(added.recipients.slice(0, 1), envelope.recipients);
        assert.deepEqual(await mc.open(added, asHandler(outsider)), message);
        assert.equal(await mc.addRecipient(added, outsider.key.x25519Private, outsider.entry), added);
        const liar = { ...outsider.entry, kid: handlers[1].file.kid };
        await rejectsWith(mc.addRecipient(envelope, handlers[0].key.x25519Private, liar), mc.UnknownRecipient);
      });

      test("sealing needs recipients whose keys match their kids", async () => {
        await rejectsWith(sealReport([]), mc.UnknownRecipient);
        const liar = { entry: { ...handlers[0].entry, kid: handlers[1].file.kid } };
        await rejectsWith(sealReport([liar]), mc.UnknownRecipient);
      });

      test("a signed key list verifies; tampering, another destination, rollback and emptiness do not", async () => {
        const institution = await noble.getPublicKeyAsync(institutionSeed);
        const doc = await signKeyList(institutionSeed, "hbo-ict", 4, handlers.slice(0, 2));
        const list = await mc.verifyKeyList(doc, institution, "hbo-ict");
        assert.equal(list.version, 4);
        assert.deepEqual(
          list.keys.map((k) => k.kid),
          handlers.slice(0, 2).map((h) => h.file.kid),
        );
        assert.deepEqual(list.keys[0].x25519, handlers[0].entry.x25519);
        const body = JSON.parse(doc.body);
        body.keys.push({
          ed25519: outsider.file.ed25519,
          kid: outsider.file.kid,
          name: "Indringer",
          x25519: outsider.file.x25519,
        });
        const extended = { ...doc, body: JSON.stringify(body) };
        await rejectsWith(mc.verifyKeyList(extended, institution, "hbo-ict"), mc.KeyListError);
        await rejectsWith(mc.verifyKeyList(doc, institution, "vertrouwenspersoon"), mc.KeyListError);
        await rejectsWith(mc.verifyKeyList(doc, institution, "hbo-ict", 5), mc.KeyListError);
        await rejectsWith(mc.verifyKeyList(doc, random(), "hbo-ict"), mc.KeyListError);
        await rejectsWith(mc.verifyKeyList({ ...doc, signature: "!" }, institution, "hbo-ict"), mc.KeyListError);
        await rejectsWith(mc.verifyKeyList({ ...doc, type: "x" }, institution, "hbo-ict"), mc.KeyListError);
        const empty = await signKeyList(institutionSeed, "hbo-ict", 4, []);
        await rejectsWith(mc.verifyKeyList(empty, institution, "hbo-ict"), mc.KeyListError);
      });

      test("a key file round-trips; the wrong passphrase is WrongPassphrase", async () => {
        const { key } = handlers[2];
        const file = await mc.exportKeyFile(key, "  paard\u2003batterij\tniet  nietje \n", 1000);
        assert.equal(file.kdf.iterations, 1000);
        assert.equal(b64u.decode(file.kdf.salt).length, 16);
        for (const passphrase of ["paard batterij niet nietje", "\u00a0paard batterij\r\nniet nietje"]) {
          const unlocked = await mc.unlockKeyFile(JSON.stringify(file), passphrase);
          assert.deepEqual(unlocked, {
            name: "Drie",
            x25519Private: key.x25519Private,
            ed25519Seed: key.ed25519Seed,
            kid: file.kid,
          });
        }
        await rejectsWith(mc.unlockKeyFile(file, "paard batterij niet"), mc.WrongPassphrase);
        await rejectsWith(
          mc.unlockKeyFile({ ...file, kid: handlers[0].file.kid }, "paard batterij niet nietje"),
          mc.WrongPassphrase,
        );
        for (const swapped of ["x25519", "ed25519"]) {
          const other = { ...file, [swapped]: handlers[0].file[swapped] };
          await rejectsWith(mc.unlockKeyFile(other, "paard batterij niet nietje"), mc.BadKeyFile);
        }
        await rejectsWith(mc.unlockKeyFile({ ...file, kdf: { ...file.kdf, iterations: 0 } }, "x"), mc.BadKeyFile);
        await rejectsWith(mc.unlockKeyFile({ ...file, type: "meldpunt-public-key" }, "x"), mc.BadKeyFile);
        await rejectsWith(mc.unlockKeyFile("{not json", "x"), mc.BadKeyFile);
        const { ciphertext, ...incomplete } = file;
        await rejectsWith(mc.unlockKeyFile(incomplete, "x"), mc.BadKeyFile);
      });
    },
  );
}

describe("native and pure agree", { skip: !NATIVE && "no native X25519/Ed25519" }, () => {
  test("a token derives the same keys, and each opens what the other sealed", async () => {
    const token = mc.tokens.generate();
    const handler = { x25519Private: random(), ed25519Seed: random() };
    const made = {};
    for (const impl of ["native", "pure"]) {
      mc.useImplementations({ x25519: impl, ed25519: impl });
      const derived = await mc.tokens.derive(token, SALT);
      const file = await mc.exportKeyFile(handler, "pp", 1000);
      const entry = { kid: file.kid, x25519: b64u.decode(file.x25519) };
      const options = {
        kind: "report",
        direction: "to_handlers",
        replyPublicKey: derived.replyPublic,
        signer: "reporter",
      };
      const envelope = await mc.seal(text.encode(impl), {
        ...options,
        recipients: [entry],
        signingSeed: derived.signingSeed,
      });
      made[impl] = { derived, file, envelope };
    }
    assert.deepEqual(made.native.derived, made.pure.derived);
    assert.equal(made.native.file.ed25519, made.pure.file.ed25519);
    for (const [opener, sealer] of [
      ["native", "pure"],
      ["pure", "native"],
    ]) {
      mc.useImplementations({ x25519: opener, ed25519: opener });
      const verifyKey = () => made[sealer].derived.signingPublic;
      const opened = await mc.open(made[sealer].envelope, { x25519Private: handler.x25519Private, verifyKey });
      assert.equal(new TextDecoder().decode(opened), sealer);
    }
  });

  test("useImplementations refuses unknown names", () => {
    assert.throws(() => mc.useImplementations({ x25519: "fast" }), mc.CryptoError);
    mc.useImplementations({});
  });
});

describe("a held key: non-extractable WebCrypto keys", { skip: !NATIVE && "no native X25519/Ed25519" }, () => {
  test("opens, signs and re-wraps like the raw key, cannot be exported, and wipes the raw bytes", async () => {
    mc.useImplementations({});
    const handler = await makeHandler("held");
    const other = await makeHandler("colleague");
    const raw = { ...handler.key, x25519Private: handler.key.x25519Private.slice(), ed25519Seed: handler.key.ed25519Seed.slice() };
    const unlocked = await mc.unlockKeyFile(handler.file, "test passphrase");
    const held = await mc.holdKey(unlocked);
    assert.equal(held.kid, handler.file.kid);
    assert.ok(held.x25519Private instanceof CryptoKey && held.ed25519Seed instanceof CryptoKey);
    assert.equal(held.x25519Private.extractable, false);
    assert.equal(held.ed25519Seed.extractable, false);
    await assert.rejects(crypto.subtle.exportKey("pkcs8", held.x25519Private));
    await assert.rejects(crypto.subtle.exportKey("jwk", held.ed25519Seed));
    assert.ok(unlocked.x25519Private.every((b) => b === 0) && unlocked.ed25519Seed.every((b) => b === 0));

    const token = await mc.tokens.derive(mc.tokens.generate(), SALT);
    const reply = await mc.seal(text.encode("antwoord"), {
      kind: "message",
      direction: "to_reporter",
      replyPublicKey: token.replyPublic,
      recipients: [handler.entry, { kid: await mc.fingerprint(token.replyPublic), x25519: token.replyPublic }],
      signer: held.kid,
      signingSeed: held.ed25519Seed,
    });
    const verifyKey = (signer) => (signer === handler.file.kid ? handler.entry.ed25519 : null);
    for (const x25519Private of [held.x25519Private, raw.x25519Private, token.replyPrivate]) {
      const opened = await mc.open(reply, { x25519Private, verifyKey });
      assert.equal(new TextDecoder().decode(opened), "antwoord");
    }
    const wraps = await mc.wrapsFor(reply, held.x25519Private, [handler.entry, other.entry]);
    assert.deepEqual(wraps.map((w) => w.kid), [other.entry.kid]);
    const widened = { ...reply, recipients: [...reply.recipients, ...wraps] };
    const opened = await mc.open(widened, { x25519Private: other.key.x25519Private, verifyKey });
    assert.equal(new TextDecoder().decode(opened), "antwoord");
  });

  test("the pure fallback cannot hold a key: holdKey says so and leaves the bytes alone", async () => {
    mc.useImplementations({ x25519: "pure", ed25519: "pure" });
    const handler = await makeHandler("pure");
    const unlocked = await mc.unlockKeyFile(handler.file, "test passphrase");
    assert.equal(await mc.holdKey(unlocked), null);
    assert.ok(unlocked.x25519Private.some((b) => b !== 0));
    mc.useImplementations({});
  });

  test("wrapsFor refuses a reader whose public key does not match its kid", async () => {
    mc.useImplementations({});
    const handler = await makeHandler("h");
    const other = await makeHandler("o");
    const token = await mc.tokens.derive(mc.tokens.generate(), SALT);
    const envelope = await mc.seal(text.encode("x"), {
      kind: "report", direction: "to_handlers", replyPublicKey: token.replyPublic,
      recipients: [handler.entry], signer: "reporter", signingSeed: token.signingSeed,
    });
    await rejectsWith(
      mc.wrapsFor(envelope, handler.key.x25519Private, [{ kid: other.entry.kid, x25519: handler.entry.x25519 }]),
      mc.UnknownRecipient,
    );
  });
});
