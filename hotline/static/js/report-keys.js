// The reporter's keys as a case's one report carries them, as hotline/report_keys.py does it: a reader
// opens the report, verifies it with the signing key its sealed plaintext names, then checks every
// reporter envelope against that key and binds every envelope to the report's reply key, never to the
// public keys stored with the case, which a database writer could swap. A report sealed before reports
// named the key (or one not sealed to this reader) falls back to the stored keys, and says so.
import * as mc from "./meldpunt-crypto.js";

export const REPORTER_KEY = "reporter_signing_key";
export const REPLY_XWING_KEY = "reply_xwing_key"; // the X-Wing part of the reply key, named by reports since issue 17
export const BOUND = "bound"; // the report names the signing key and verifies with it
export const LEGACY = "legacy"; // the report names no key: checked against the stored one
export const STORED = "stored"; // the report is not sealed to this key: only the stored keys
export const NONE = "none"; // no single report opens and verifies: nothing from the reporter is genuine (replies are)

const decoder = new TextDecoder("utf-8", { fatal: true });
const KINDS = { 1: "report", 2: "message", 3: "attachment" };
const DIRECTIONS = { 1: "to_handlers", 2: "to_reporter" };
const SEALED_METADATA = ["category", "programme"]; // stored in the clear for routing, and sealed in the report too

/** Tell whether two byte arrays are equal. */
function same(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Return the signing key a report's plaintext names, or null for a report sealed before reports named it. */
export function namedKey(plaintext) {
  let report;
  try {
    report = JSON.parse(decoder.decode(plaintext));
  } catch {
    throw new mc.MalformedEnvelope("the report is not JSON");
  }
  if (report === null || typeof report !== "object" || Array.isArray(report)) {
    throw new mc.MalformedEnvelope("the report is not a JSON object");
  }
  if (!Object.hasOwn(report, REPORTER_KEY)) return null;
  const value = report[REPORTER_KEY];
  const key = typeof value === "string" ? mc.b64u.decode(value) : new Uint8Array(0);
  if (key.length !== 32) throw new mc.MalformedEnvelope("the report's signing key is not 32 bytes");
  return key;
}

/** Return the X-Wing reply key a report names (1216 bytes), or null for a report sealed before reports named one. */
export function namedXWing(report) {
  if (!Object.hasOwn(report, REPLY_XWING_KEY)) return null;
  const value = report[REPLY_XWING_KEY];
  const key = typeof value === "string" ? mc.b64u.decode(value) : new Uint8Array(0);
  if (!mc.isXWingPublic(key)) throw new mc.MalformedEnvelope("the report's X-Wing reply key is not an X-Wing public key");
  return key;
}

/** Read kind and direction from an envelope header; they count only once the envelope has opened. */
export function peek(envelope) {
  try {
    const hdr = mc.b64u.decode(envelope.hdr);
    return { kind: KINDS[hdr[7]] ?? "message", direction: DIRECTIONS[hdr[8]] ?? null };
  } catch {
    return { kind: "message", direction: null };
  }
}

/** Tell whether envelope JSON claims, in its header, to be a report; it counts once it has opened. */
function claimsReport(envelope) {
  try {
    return mc.b64u.decode(envelope.hdr).length === 89 && peek(envelope).kind === "report";
  } catch {
    return false;
  }
}

/**
 * Open the case's one report in a bundle with the reader's key {kid, x25519Private, xwingSeed?}. Returns
 * {signingKey, replyKey, replyXWing, source, problems, reportError}: the keys to check the case's envelopes
 * against and to seal replies to (signingKey null when nothing of the reporter's can be trusted; replyXWing
 * null for a report that names no X-Wing reply key), where they come from, and problem codes: "reports_count"
 * (not one report), "report_failed", "reply_key" / "signing_key" / "reply_xwing_key" (a stored key is not the
 * report's), or "category" / "programme" (stored metadata that is not what the report says).
 */
export async function fromReport(bundle, key) {
  const storedSigning = mc.b64u.decode(bundle.case.reporter_signing_key);
  const storedReply = mc.b64u.decode(bundle.case.reply_public_key);
  const storedXWing = bundle.case.reply_xwing_key ? mc.b64u.decode(bundle.case.reply_xwing_key) : null;
  const reports = bundle.envelopes.filter(claimsReport);
  const none = (problem, reportError = null) => ({
    signingKey: null, replyKey: storedReply, replyXWing: storedXWing, source: NONE, problems: [problem], reportError,
  });
  if (reports.length !== 1) return none("reports_count");
  const [report] = reports;
  if (!report.recipients?.some((r) => r.kid === key.kid)) {
    return {
      signingKey: storedSigning, replyKey: storedReply, replyXWing: storedXWing, source: STORED, problems: [],
      reportError: null,
    };
  }
  let opened;
  try {
    opened = await mc.openSelfSigned(report, {
      x25519Private: key.x25519Private,
      xwingSeed: key.xwingSeed ?? null, // an X-Wing wrap (envelope v2) opens with the seed of a version 2 key file
      enclosedKey: (plaintext) => namedKey(plaintext) ?? storedSigning,
      kind: "report",
    });
  } catch (failure) {
    if (!(failure instanceof mc.CryptoError)) throw failure;
    return none("report_failed", failure.name);
  }
  const named = namedKey(opened.plaintext);
  const replyKey = opened.header.replyPublicKey;
  const sealed = JSON.parse(decoder.decode(opened.plaintext)); // an object: namedKey has parsed it
  let replyXWing;
  try {
    replyXWing = namedXWing(sealed);
  } catch (failure) {
    return none("report_failed", failure.name);
  }
  const problems = SEALED_METADATA.filter((name) => name in bundle.case && sealed[name] !== bundle.case[name]);
  if (!same(replyKey, storedReply)) problems.push("reply_key");
  if (named !== null && !same(named, storedSigning)) problems.push("signing_key");
  if (replyXWing === null ? storedXWing !== null : storedXWing === null || !same(replyXWing, storedXWing)) {
    problems.push("reply_xwing_key");
  }
  const source = named ? BOUND : LEGACY;
  return { signingKey: named ?? storedSigning, replyKey, replyXWing, source, problems, reportError: null };
}

/**
 * Open one envelope of the case with the reader's key; return {kind, direction, plaintext}. A reporter
 * envelope must verify with the report's signing key, a reply with a handler key of the case's verified
 * key lists (handlers: kid -> {ed25519}), and every envelope must be bound to the report's reply key.
 * Throws a CryptoError otherwise, and for every reporter envelope when no report could be trusted.
 */
export async function openEnvelope(envelope, key, reporter, handlers) {
  const { kind, direction } = peek(envelope);
  const verifyKey = (signer) => {
    if (direction === "to_handlers") return signer === "reporter" ? reporter.signingKey : null;
    return signer === "reporter" ? null : (handlers.get(signer)?.ed25519 ?? null);
  };
  const plaintext = await mc.open(envelope, {
    x25519Private: key.x25519Private,
    xwingSeed: key.xwingSeed ?? null, // as in fromReport
    verifyKey,
    replyPublicKey: reporter.replyKey,
    kind,
  });
  return { kind, direction, plaintext };
}
