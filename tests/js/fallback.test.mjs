// "auto" falls back to the pure implementations where WebCrypto lacks X25519 and Ed25519, as in
// Tor Browser (Firefox ESR). A separate file, so it runs in its own process with a fresh module.
import assert from "node:assert/strict";
import { test } from "node:test";

const realSubtle = globalThis.crypto.subtle;
const MISSING = new Set(["X25519", "Ed25519"]);

/** Return the algorithm name of a WebCrypto call's arguments, if any names one. */
function algorithmOf(args) {
  for (const arg of args) {
    const name = typeof arg === "string" ? arg : (arg?.name ?? arg?.algorithm?.name);
    if (MISSING.has(name)) return name;
  }
  return null;
}

// A SubtleCrypto without X25519 and Ed25519: every call naming them (or using such a key) fails.
const crippled = new Proxy(realSubtle, {
  get(target, property) {
    const value = Reflect.get(target, property, target);
    if (typeof value !== "function") return value;
    return (...args) => {
      if (algorithmOf(args)) return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
      return value.apply(target, args);
    };
  },
});
Object.defineProperty(globalThis.crypto, "subtle", { value: crippled, configurable: true });

const mc = await import("../../hotline/static/js/meldpunt-crypto.js");

test("auto picks the pure implementations, and everything still works", async () => {
  assert.deepEqual(await mc.implementations(), { x25519: "pure", ed25519: "pure" });
  const derived = await mc.tokens.derive(mc.tokens.generate(), "00ff");
  const key = {
    name: "H",
    x25519Private: crypto.getRandomValues(new Uint8Array(32)),
    ed25519Seed: derived.signingSeed,
  };
  const file = await mc.exportKeyFile(key, "pp", 1000);
  const unlocked = await mc.unlockKeyFile(file, "pp");
  const envelope = await mc.seal(new TextEncoder().encode("zonder native"), {
    kind: "report",
    direction: "to_handlers",
    replyPublicKey: derived.replyPublic,
    recipients: [{ kid: file.kid, x25519: mc.b64u.decode(file.x25519) }],
    signer: "reporter",
    signingSeed: derived.signingSeed,
  });
  const verifyKey = () => derived.signingPublic;
  const opened = await mc.open(envelope, { x25519Private: unlocked.x25519Private, verifyKey, kind: "report" });
  assert.equal(new TextDecoder().decode(opened), "zonder native");
});

test("envelope v2 works there too: X-Wing is pure JavaScript everywhere", async () => {
  mc.useImplementations({});
  const derived = await mc.tokens.derive(mc.tokens.generate(), "00ff");
  const key = {
    name: "PQ",
    x25519Private: crypto.getRandomValues(new Uint8Array(32)),
    ed25519Seed: crypto.getRandomValues(new Uint8Array(32)),
    xwingSeed: crypto.getRandomValues(new Uint8Array(32)),
  };
  const file = await mc.exportKeyFile(key, "pp", 1000);
  const unlocked = await mc.unlockKeyFile(file, "pp");
  assert.deepEqual(unlocked.xwingSeed, key.xwingSeed);
  assert.equal(await mc.holdKey(unlocked), null);
  const reader = { kid: file.kid, x25519: mc.b64u.decode(file.x25519), xwing: mc.b64u.decode(file.xwing) };
  const own = { kid: await mc.fingerprint(derived.replyPublic), x25519: derived.replyPublic };
  const envelope = await mc.seal(new TextEncoder().encode("kwantumveilig zonder native"), {
    kind: "message",
    direction: "to_handlers",
    replyPublicKey: derived.replyPublic,
    recipients: [reader, own],
    signer: "reporter",
    signingSeed: derived.signingSeed,
  });
  assert.equal(envelope.v, 2);
  assert.deepEqual(envelope.recipients.map((r) => r.kem ?? "xwing"), ["xwing", "x25519"]);
  const verifyKey = () => derived.signingPublic;
  for (const opener of [unlocked, { x25519Private: derived.replyPrivate }]) {
    const opened = await mc.open(envelope, { ...opener, verifyKey, kind: "message" });
    assert.equal(new TextDecoder().decode(opened), "kwantumveilig zonder native");
  }
});

test("forcing native where it is missing fails with an error, not silently", async () => {
  mc.useImplementations({ x25519: "native", ed25519: "native" });
  await assert.rejects(mc.tokens.derive(mc.tokens.generate(), "00ff"));
  mc.useImplementations({});
});
