// Unit tests of hotline/static/js/report-keys.js, what the handler workspace (casework.js) opens a case
// with: a database writer who swaps the stored reporter key cannot pass a message off as the reporter's.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as mc from "../../hotline/static/js/meldpunt-crypto.js";
import * as reportKeys from "../../hotline/static/js/report-keys.js";
import { ed25519 as noble } from "../../hotline/static/vendor/meldpunt-vendor.js";

const { b64u } = mc;
const text = new TextEncoder();
const SALT = "5eed5a17000102030405060708090a0b";

/** Return n random bytes. */
const random = (n = 32) => crypto.getRandomValues(new Uint8Array(n));

/** Join byte arrays. */
const concat = (...parts) => new Uint8Array(parts.flatMap((part) => [...part]));

/** Make a handler key as the workspace holds it, and its key list entry. */
async function makeHandler() {
  const key = { name: "Behandelaar", x25519Private: random(), ed25519Seed: random() };
  const file = await mc.exportKeyFile(key, "test passphrase", 1000);
  const entry = { kid: file.kid, x25519: b64u.decode(file.x25519), ed25519: b64u.decode(file.ed25519) };
  return { key: { ...key, kid: file.kid }, entry };
}

/** Sign an envelope again with another seed, as a database writer can: the signature covers public bytes. */
async function resign(envelope, seed) {
  const digest = await crypto.subtle.digest("SHA-256", concat(b64u.decode(envelope.nonce), b64u.decode(envelope.ct)));
  const signed = concat(text.encode("meldpunt/v1/sig"), b64u.decode(envelope.hdr), new Uint8Array(digest));
  return { ...envelope, sig: { signer: "reporter", value: b64u.encode(await noble.signAsync(signed, seed)) } };
}

/** File a case as the browser does: a report (naming its signing key unless old) and one follow-up. */
async function makeCase({ named = true } = {}) {
  const handler = await makeHandler();
  const keys = await mc.tokens.derive(mc.tokens.generate(), SALT);
  const readers = [{ kid: handler.entry.kid, x25519: handler.entry.x25519 }];
  const own = { kid: await mc.fingerprint(keys.replyPublic), x25519: keys.replyPublic };
  const sealing = { direction: "to_handlers", replyPublicKey: keys.replyPublic, signer: "reporter", signingSeed: keys.signingSeed };
  const report = { description: "Echte melding", ...(named ? { reporter_signing_key: b64u.encode(keys.signingPublic) } : {}) };
  const envelopes = [
    await mc.seal(text.encode(JSON.stringify(report)), { kind: "report", recipients: readers, ...sealing }),
    await mc.seal(text.encode('{"text": "Echt vervolg"}'), { kind: "message", recipients: [...readers, own], ...sealing }),
  ];
  const stored = { reporter_signing_key: b64u.encode(keys.signingPublic), reply_public_key: b64u.encode(keys.replyPublic) };
  return { handler, keys, readers, own, bundle: { case: stored, envelopes } };
}

/** Take the case over as a database writer: an own stored key, re-signed envelopes, a forged follow-up. */
async function takeOver(made, { resignReport }) {
  const seed = random();
  const { bundle, keys, readers, own } = made;
  bundle.case.reporter_signing_key = b64u.encode(await noble.getPublicKeyAsync(seed));
  const [report, ...rest] = bundle.envelopes;
  const forged = await mc.seal(text.encode('{"text": "Vals bericht"}'), {
    kind: "message", direction: "to_handlers", replyPublicKey: keys.replyPublic, recipients: [...readers, own],
    signer: "reporter", signingSeed: seed,
  });
  bundle.envelopes = [resignReport ? await resign(report, seed) : report, ...(await Promise.all(rest.map((e) => resign(e, seed)))), forged];
  return forged;
}

test("a follow-up signed with a key swapped into the database is refused", async () => {
  const made = await makeCase();
  const forged = await takeOver(made, { resignReport: false });
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.BOUND);
  assert.deepEqual(reporter.problems, ["signing_key"]);
  assert.deepEqual(reporter.signingKey, made.keys.signingPublic);
  const opened = await reportKeys.openEnvelope(made.bundle.envelopes[0], made.handler.key, reporter, new Map());
  assert.match(new TextDecoder().decode(opened.plaintext), /Echte melding/);
  for (const envelope of [forged, made.bundle.envelopes[1]]) {
    await assert.rejects(reportKeys.openEnvelope(envelope, made.handler.key, reporter, new Map()), mc.BadSignature);
  }
});

test("a report signed again by a database writer vouches for nothing", async () => {
  const made = await makeCase();
  const forged = await takeOver(made, { resignReport: true });
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.NONE);
  assert.equal(reporter.reportError, "BadSignature");
  await assert.rejects(reportKeys.openEnvelope(forged, made.handler.key, reporter, new Map()), mc.CryptoError);
});

test("a reply key swapped into the database is flagged, and the report's is used", async () => {
  const made = await makeCase();
  made.bundle.case.reply_public_key = b64u.encode(random());
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.deepEqual(reporter.problems, ["reply_key"]);
  assert.deepEqual(reporter.replyKey, made.keys.replyPublic);
});

test("a case with a second report trusts neither", async () => {
  const made = await makeCase();
  made.bundle.envelopes.push(made.bundle.envelopes[0]);
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.NONE);
  assert.deepEqual(reporter.problems, ["reports_count"]);
});

test("an old report that names no key is checked against the stored key, and says so", async () => {
  const made = await makeCase({ named: false });
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.LEGACY);
  const opened = await reportKeys.openEnvelope(made.bundle.envelopes[1], made.handler.key, reporter, new Map());
  assert.match(new TextDecoder().decode(opened.plaintext), /Echt vervolg/);
});

/** File a case as report.js does since issue 17: the report names the reply key's X-Wing part, stored too. */
async function makePostQuantumCase() {
  const made = await makeCase();
  const { keys, readers } = made;
  const sealing = { direction: "to_handlers", replyPublicKey: keys.replyPublic, signer: "reporter", signingSeed: keys.signingSeed };
  const report = {
    description: "Echte melding",
    reporter_signing_key: b64u.encode(keys.signingPublic),
    reply_xwing_key: b64u.encode(keys.replyXWingPublic),
  };
  made.bundle.envelopes[0] = await mc.seal(text.encode(JSON.stringify(report)), { kind: "report", recipients: readers, ...sealing });
  made.bundle.case.reply_xwing_key = b64u.encode(keys.replyXWingPublic);
  return made;
}

test("the report's X-Wing reply key is what a reply is sealed to, and only the token opens that wrap", async () => {
  const made = await makePostQuantumCase();
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.BOUND);
  assert.deepEqual(reporter.problems, []);
  assert.deepEqual(reporter.replyXWing, made.keys.replyXWingPublic);
  const own = { ...(await mc.tokens.reader(made.keys, false)), xwing: reporter.replyXWing }; // as casework.js seals
  const reply = await mc.seal(text.encode('{"text": "Antwoord"}'), {
    kind: "message", direction: "to_reporter", replyPublicKey: reporter.replyKey, recipients: [...made.readers, own],
    signer: made.handler.key.kid, signingSeed: made.handler.key.ed25519Seed,
  });
  assert.equal(reply.v, 2);
  assert.ok(!("kem" in reply.recipients.find((r) => r.kid === own.kid))); // an X-Wing wrap, no classical one
  const verifyKey = () => made.handler.entry.ed25519;
  const opened = await mc.open(reply, { ...mc.tokens.openingKey(made.keys), verifyKey, kind: "message" });
  assert.equal(new TextDecoder().decode(opened), '{"text": "Antwoord"}');
  await assert.rejects(mc.open(reply, { x25519Private: made.keys.replyPrivate, verifyKey }), mc.DecryptionFailed);
});

test("an X-Wing reply key swapped, added or removed in the database is flagged", async () => {
  const other = await mc.tokens.derive(mc.tokens.generate(), SALT);
  for (const change of ["swapped", "removed"]) {
    const made = await makePostQuantumCase();
    if (change === "swapped") made.bundle.case.reply_xwing_key = b64u.encode(other.replyXWingPublic);
    else delete made.bundle.case.reply_xwing_key;
    const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
    assert.deepEqual(reporter.problems, ["reply_xwing_key"], change);
    assert.deepEqual(reporter.replyXWing, made.keys.replyXWingPublic, change); // still the report's, never the stored
  }
  const older = await makeCase(); // its report names no X-Wing key: one stored beside it is a writer's
  older.bundle.case.reply_xwing_key = b64u.encode(other.replyXWingPublic);
  const reporter = await reportKeys.fromReport(older.bundle, older.handler.key);
  assert.deepEqual(reporter.problems, ["reply_xwing_key"]);
  assert.equal(reporter.replyXWing, null);
});

test("a report that names a malformed X-Wing reply key vouches for nothing", async () => {
  const made = await makeCase();
  const { keys, readers } = made;
  const report = { reporter_signing_key: b64u.encode(keys.signingPublic), reply_xwing_key: b64u.encode(random(1216)) };
  made.bundle.envelopes[0] = await mc.seal(text.encode(JSON.stringify(report)), {
    kind: "report", direction: "to_handlers", replyPublicKey: keys.replyPublic, recipients: readers, signer: "reporter",
    signingSeed: keys.signingSeed,
  });
  const reporter = await reportKeys.fromReport(made.bundle, made.handler.key);
  assert.equal(reporter.source, reportKeys.NONE);
  assert.equal(reporter.signingKey, null);
});
