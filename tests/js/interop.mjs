// Interop with hotline.crypto / hotline.tokens, driven by tests/test_interop.py.
//
//   node tests/js/interop.mjs IN.json OUT.json [native|pure|auto]
//
// Opens and verifies everything Python made in IN.json with meldpunt-crypto.js, exiting 1 with a
// message on the first mismatch; then writes what it makes itself into OUT.json for Python to
// check. Exits 3 when "native" is asked for but this WebCrypto lacks X25519 or Ed25519.
// Private keys travel as b64u in these files: test keys only. Envelope v2: a handler (and the key file)
// may carry "xwing_seed" (b64u, 32 bytes) to open X-Wing wraps with; handlers that list an "xwing" public key
// get "envelopes_v2" in OUT.json, sealed here with X-Wing wraps for them, for Python to open.
import { readFileSync, writeFileSync } from "node:fs";
import * as mc from "../../hotline/static/js/meldpunt-crypto.js";
import { ed25519 as noble } from "../../hotline/static/vendor/meldpunt-vendor.js";

const { b64u } = mc;
const [inPath, outPath, mode = "auto"] = process.argv.slice(2);
const text = new TextEncoder();
const NODE_PASSPHRASE = "  correct\u00a0horse \u2003battery\t\tstaple\n";

/** Stop with a clear message: the pytest side shows stderr. */
function fail(message) {
  console.error(`interop (${mode}): MISMATCH: ${message}`);
  process.exit(1);
}

/** Fail unless two byte arrays (or strings) are equal. */
function same(what, actual, expected) {
  const show = (v) => (v instanceof Uint8Array ? b64u.encode(v) : JSON.stringify(v));
  if (show(actual) !== show(expected)) fail(`${what}: got ${show(actual)}, expected ${show(expected)}`);
}

/** Fail unless the call throws the named error class. */
async function throwsNamed(what, call, name) {
  try {
    await call();
  } catch (error) {
    if (error.name !== name) fail(`${what}: threw ${error.name} (${error.message}), expected ${name}`);
    return;
  }
  fail(`${what}: did not throw, expected ${name}`);
}

/** Check the token vectors: normalisation cases and derived keys. */
async function checkTokens(input) {
  for (const { text: typed, result, error } of input.normalise) {
    if (error) await throwsNamed(`normalise(${JSON.stringify(typed)})`, () => mc.tokens.normalise(typed), error);
    else same(`normalise(${JSON.stringify(typed)})`, mc.tokens.normalise(typed), result);
  }
  const derived = await mc.tokens.derive(input.token.token, input.instance_salt);
  for (const [name, key] of [
    ["lookup_key", "lookupKey"],
    ["reply_public", "replyPublic"],
    ["signing_public", "signingPublic"],
    ["reply_xwing_public", "replyXWingPublic"],
  ]) {
    same(`token ${name}`, derived[key], b64u.decode(input.token[name]));
  }
  return derived;
}

/** Check padding sizes and base64url strictness against Python's answers. */
function checkEncodings(input) {
  for (const [length, size] of input.padding) same(`paddedSize(${length})`, mc.paddedSize(length), size);
  for (const [encoded, hexBytes] of input.b64u_valid)
    same(`b64u.decode(${encoded})`, mc.hex(b64u.decode(encoded)), hexBytes);
  for (const bad of input.b64u_invalid) {
    let refused = false;
    try {
      b64u.decode(bad);
    } catch (error) {
      refused = error instanceof mc.MalformedEnvelope;
    }
    if (!refused) fail(`b64u.decode(${JSON.stringify(bad)}) was accepted; Python refuses it`);
  }
}

/** Check the key file, the key list and every envelope Python made. */
async function checkPython(input, derived) {
  const unlocked = await mc.unlockKeyFile(input.key_file.file, input.key_file.passphrase);
  same("key file kid", unlocked.kid, input.key_file.kid);
  same("key file x25519", unlocked.x25519Private, b64u.decode(input.key_file.x25519_private));
  same("key file ed25519", unlocked.ed25519Seed, b64u.decode(input.key_file.ed25519_seed));
  if (input.key_file.xwing_seed) same("key file X-Wing seed", unlocked.xwingSeed, b64u.decode(input.key_file.xwing_seed));
  await throwsNamed(
    "key file, wrong passphrase",
    () => mc.unlockKeyFile(input.key_file.file, "wrong"),
    "WrongPassphrase",
  );

  const institution = b64u.decode(input.institution.public);
  const list = await mc.verifyKeyList(input.key_list.document, institution, input.key_list.destination);
  same("key list version", list.version, input.key_list.version);
  same(
    "key list kids",
    list.keys.map((k) => k.kid),
    input.handlers.map((h) => h.kid),
  );

  const keys = openingKeys(input, derived);
  for (const item of input.envelopes) {
    const options = {
      ...keys[item.opener],
      verifyKey: (signer) => (signer === item.signer ? b64u.decode(item.signer_public) : null),
      replyPublicKey: b64u.decode(item.reply_public),
      kind: item.kind,
    };
    if (item.error) await throwsNamed(`envelope ${item.name}`, () => mc.open(item.envelope, options), item.error);
    else same(`envelope ${item.name}`, await mc.open(item.envelope, options), b64u.decode(item.plaintext));
  }
}

/** Return the key objects that open envelopes: the token's reply key, and each handler's (with its X-Wing seed). */
function openingKeys(input, derived) {
  const keys = { reply: mc.tokens.openingKey(derived) };
  input.handlers.forEach((h, i) => {
    const xwing = h.xwing_seed ? { xwingSeed: b64u.decode(h.xwing_seed) } : {};
    keys[`handler${i}`] = { x25519Private: b64u.decode(h.x25519_private), ...xwing };
  });
  return keys;
}

/** Make a handler key of Node's own, its key file, and a key list signed with the institution key. */
async function makeKeys(input) {
  const key = { name: "Node-behandelaar", x25519Private: randomKey(), ed25519Seed: randomKey() };
  const file = await mc.exportKeyFile(key, NODE_PASSPHRASE, 1000);
  // Keys sorted as Python's json.dumps(sort_keys=True); only the exact signed text matters, though.
  const keys = [...input.handlers, file].map(({ ed25519, kid, name, x25519 }) => ({ ed25519, kid, name, x25519 }));
  const bodyText = JSON.stringify({ destination: "node-bestemming", keys, version: 7 });
  const signer = await mc.fingerprint(b64u.decode(input.institution.public));
  // Key lists are signed offline by the CLI, so the module has no call for it: sign with noble here.
  const message = text.encode(`meldpunt/v1/keylist${bodyText}`);
  const signature = await noble.signAsync(message, b64u.decode(input.institution.private_seed));
  const document = { type: "meldpunt-key-list", body: bodyText, signer, signature: b64u.encode(signature) };
  return { key, file, document };
}

/** Return 32 random bytes. */
function randomKey() {
  return crypto.getRandomValues(new Uint8Array(32));
}

/** Seal the envelopes Python is to open, from Node's own token. */
async function makeEnvelopes(input, nodeKey, nodeFile) {
  const token = mc.tokens.generate();
  const derived = await mc.tokens.derive(token, input.instance_salt);
  const handler = (i) => ({ kid: input.handlers[i].kid, x25519: b64u.decode(input.handlers[i].x25519) });
  const reply = { kid: await mc.fingerprint(derived.replyPublic), x25519: derived.replyPublic };
  const report = JSON.stringify({
    category: "intimidatie",
    programme: "hbo-ict",
    description: "Browser-verzegeld: de begeleider \u00e9\u00e9n keer \ud83d\ude15",
    organisation: "Stagebedrijf B.V.",
    date_from: "2025-02-01",
    date_to: "",
    attachments: ["verslag.pdf"],
    reporter_signing_key: b64u.encode(derived.signingPublic), // as report.js seals it
  });
  const big = new Uint8Array(10000).map((_, i) => i % 251);
  const attachment = new Uint8Array([...text.encode('{"name": "verslag.pdf", "type": "application/pdf"}\n'), ...big]);
  const reporter = {
    direction: "to_handlers",
    replyPublicKey: derived.replyPublic,
    signer: "reporter",
    signingSeed: derived.signingSeed,
  };
  const plan = [
    ["report-1", "report", text.encode(report), [handler(0)], reporter],
    ["report-2", "report", text.encode(report), [handler(0), handler(1)], reporter],
    ["attachment", "attachment", attachment, [handler(0), handler(1)], reporter],
    ["message-to-handlers", "message", text.encode('{"text": "Nog een vraag"}'), [handler(0), reply], reporter],
    [
      "reply-to-reporter",
      "message",
      text.encode('{"text": "Antwoord van de behandelaar"}'),
      [handler(0), reply],
      {
        direction: "to_reporter",
        replyPublicKey: derived.replyPublic,
        signer: nodeFile.kid,
        signingSeed: nodeKey.ed25519Seed,
      },
    ],
  ];
  const envelopes = [];
  for (const [name, kind, plaintext, recipients, signing] of plan) {
    const envelope = await mc.seal(plaintext, { kind, recipients, ...signing });
    envelopes.push({ name, kind, envelope, plaintext: b64u.encode(plaintext), kids: recipients.map((r) => r.kid) });
  }
  return { token, derived, envelopes };
}

/** Re-wrap a Python envelope for Node's own key, opening it with handler 0's key. */
async function addReader(input, nodeFile) {
  const item = input.envelopes.find((e) => e.name === "report-2");
  const added = await mc.addRecipient(item.envelope, openingKeys(input, {}).handler0, {
    kid: nodeFile.kid,
    x25519: b64u.decode(nodeFile.x25519),
  });
  same("addRecipient keeps the payload", added.ct, item.envelope.ct);
  return { ...item, envelope: added };
}

/** Seal envelope v2 to the handlers that list an X-Wing key (X-Wing wraps) and the rest and the reply key (classical). */
async function makeEnvelopesV2(input, sealed) {
  if (!input.handlers.some((h) => h.xwing)) return [];
  const { derived } = sealed;
  const readers = input.handlers.map((h) => ({
    kid: h.kid,
    x25519: b64u.decode(h.x25519),
    ...(h.xwing ? { xwing: b64u.decode(h.xwing) } : {}),
  }));
  const reply = await mc.tokens.reader(derived); // with the reply key's X-Wing part, as status.js seals
  const plaintext = text.encode('{"text": "Kwantumveilig verzegeld in de browser"}');
  const envelope = await mc.seal(plaintext, {
    kind: "message",
    direction: "to_handlers",
    replyPublicKey: derived.replyPublic,
    recipients: [...readers, reply],
    signer: "reporter",
    signingSeed: derived.signingSeed,
  });
  if (envelope.v !== 2) fail(`envelope v2: sealed as v${envelope.v}`);
  const kids = [...readers, reply].map((r) => r.kid);
  return [{ name: "message-v2", kind: "message", envelope, plaintext: b64u.encode(plaintext), kids }];
}

/** Sign a possession challenge with Node's key, as the workspace's proof page does. */
async function possession(key, file) {
  const challenge = randomKey();
  const handlerId = "0123456789abcdef0123456789abcdef";
  const signature = await mc.signPossession(key, challenge, handlerId, file.kid);
  return { challenge: b64u.encode(challenge), handler_id: handlerId, signature: b64u.encode(signature) };
}

/** Run every check, then write what Node made. */
async function main() {
  if (!inPath || !outPath) fail("usage: node tests/js/interop.mjs IN.json OUT.json [native|pure|auto]");
  if (mode === "native") {
    const available = await mc.implementations();
    if (available.x25519 !== "native" || available.ed25519 !== "native") {
      console.error(`interop: this WebCrypto lacks native X25519 or Ed25519: ${JSON.stringify(available)}`);
      process.exit(3);
    }
  }
  mc.useImplementations({ x25519: mode, ed25519: mode });
  const input = JSON.parse(readFileSync(inPath, "utf8"));
  checkEncodings(input);
  const derived = await checkTokens(input);
  await checkPython(input, derived);

  const { key, file, document } = await makeKeys(input);
  const sealed = await makeEnvelopes(input, key, file);
  const output = {
    implementations: await mc.implementations(),
    token: sealed.token,
    lookup_key: b64u.encode(sealed.derived.lookupKey),
    reply_public: b64u.encode(sealed.derived.replyPublic),
    signing_public: b64u.encode(sealed.derived.signingPublic),
    reply_xwing_public: b64u.encode(sealed.derived.replyXWingPublic),
    key_file: file,
    passphrase: NODE_PASSPHRASE,
    key_list: document,
    envelopes: sealed.envelopes,
    envelopes_v2: await makeEnvelopesV2(input, sealed),
    added: await addReader(input, file),
    possession: await possession(key, file),
  };
  writeFileSync(outPath, JSON.stringify(output, null, 1));
  console.log(
    `interop (${mode}): ${input.envelopes.length} Python envelopes checked, ${sealed.envelopes.length} sealed`,
  );
}

await main().catch((error) => fail(`unexpected ${error.name}: ${error.message}`));
