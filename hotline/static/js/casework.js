// Reading a case in the handler's browser: the key file is read from disk and unlocked here with
// its passphrase; neither is ever sent. The envelopes come sealed from the server and are opened,
// with every signature verified, on this device. Decrypted text is written with textContent only.
import * as mc from "./meldpunt-crypto.js";
import { capable, fromUtf8, messages, say } from "./page.js";

const KINDS = { 1: "report", 2: "message", 3: "attachment" };
const DIRECTIONS = { 1: "to_handlers", 2: "to_reporter" };

// The unlocked key lives only in this module, for this page; nothing is stored.
let unlocked = null;
let blobUrls = [];

/** Return a clone of a template's content. */
const clone = (id) => document.getElementById(id).content.cloneNode(true);

/** Read kind and direction from an envelope header; they count only once the envelope has opened. */
function peek(envelope) {
  try {
    const hdr = mc.b64u.decode(envelope.hdr);
    return { kind: KINDS[hdr[7]] ?? "message", direction: DIRECTIONS[hdr[8]] ?? null };
  } catch {
    return { kind: "message", direction: null };
  }
}

/** Fetch the case bundle with the staff session cookie. */
async function fetchBundle(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
  if (response.status === 503) throw Object.assign(new Error("key list"), { key: "keylist" });
  if (!response.ok) throw Object.assign(new Error("bundle unavailable"), { key: "network" });
  return response.json();
}

/** Verify the institution key and the key lists of the case's destinations; return kid -> handler key. */
async function handlerKeys(bundle, expectedFingerprint) {
  const institution = mc.b64u.decode(bundle.institution.ed25519);
  if (!expectedFingerprint || (await mc.fingerprint(institution)) !== expectedFingerprint.toLowerCase()) {
    throw Object.assign(new mc.KeyListError("institution key mismatch"), { key: "institution" });
  }
  const keys = new Map();
  // Only the case's own destinations: a recovery list names a reader, never a signer of replies.
  for (const slug of bundle.case.destinations) {
    try {
      const list = await mc.verifyKeyList(bundle.key_lists[slug], institution, slug);
      for (const key of list.keys) keys.set(key.kid, key);
    } catch {
      throw Object.assign(new mc.KeyListError(`key list of ${slug}`), { key: "keylist" });
    }
  }
  return keys;
}

/** Open one envelope, verifying its signer for its direction; return {kind, direction, plaintext} or null. */
async function openEnvelope(envelope, key, bundle, handlers) {
  const { kind, direction } = peek(envelope);
  const reporterKey = mc.b64u.decode(bundle.case.reporter_signing_key);
  const verifyKey = (signer) => {
    if (direction === "to_handlers") return signer === "reporter" ? reporterKey : null;
    return signer === "reporter" ? null : (handlers.get(signer)?.ed25519 ?? null);
  };
  try {
    const plaintext = await mc.open(envelope, {
      x25519Private: key.x25519Private, verifyKey, replyPublicKey: mc.b64u.decode(bundle.case.reply_public_key), kind,
    });
    return { kind, direction, plaintext };
  } catch (failure) {
    console.warn("an envelope did not open or verify", failure.name); // fail closed, whatever the reason
    return null;
  }
}

/** Show a report's fields. */
function reportEntry(plaintext, text) {
  const report = JSON.parse(fromUtf8(plaintext));
  const entry = clone("opened-report");
  entry.querySelector("[data-description]").textContent = String(report.description ?? "");
  entry.querySelector("[data-organisation]").textContent = String(report.organisation || text.unknown_date);
  const dates = [report.date_from, report.date_to].filter(Boolean).map(String);
  entry.querySelector("[data-dates]").textContent = dates.length ? dates.join(" – ") : text.unknown_date;
  entry.querySelector("[data-signature]").textContent = text.verified;
  return entry;
}

/** Show a message with its day and sender. */
function messageEntry(item, opened, handlers, text) {
  const entry = clone("opened-message");
  const message = JSON.parse(fromUtf8(opened.plaintext));
  const signer = item.sig.signer;
  entry.querySelector("li").className = opened.direction;
  entry.querySelector("[data-day]").textContent = item.day;
  entry.querySelector("[data-sender]").textContent = signer === "reporter" ? text.reporter : handlers.get(signer).name;
  entry.querySelector("[data-signature]").textContent = text.verified;
  entry.querySelector("[data-text]").textContent = String(message.text ?? "");
  return entry;
}

/** Offer an attachment as a download of a Blob URL, under its own file name. */
function attachmentEntry(plaintext, text) {
  const newline = plaintext.indexOf(0x0a);
  const info = JSON.parse(fromUtf8(plaintext.slice(0, newline)));
  const url = URL.createObjectURL(new Blob([plaintext.slice(newline + 1)], { type: "application/octet-stream" }));
  blobUrls.push(url);
  const entry = clone("opened-attachment");
  const link = entry.querySelector("[data-download]");
  link.href = url;
  link.download = String(info.name);
  link.textContent = String(info.name);
  entry.querySelector("[data-signature]").textContent = text.verified;
  return entry;
}

/** Show an envelope that did not open or verify: never its contents, only that it failed. */
function failureEntry(item, message) {
  const entry = clone("opened-failure");
  entry.querySelector("[data-failure]").textContent = `${item.day}: ${message}`;
  return entry;
}

/** Open every envelope of the bundle sealed to the key and show the case. */
async function render(target, bundle, key, handlers, text) {
  for (const url of blobUrls) URL.revokeObjectURL(url);
  blobUrls = [];
  const page = clone("opened-case");
  const places = {
    report: page.querySelector("[data-report-entries]"),
    attachment: page.querySelector("[data-attachments]"),
    message: page.querySelector("[data-messages]"),
  };
  for (const item of bundle.envelopes) {
    const { kind } = peek(item);
    const place = places[kind];
    const wrap = (node) => {
      if (kind === "report") return node;
      const li = document.createElement("li");
      li.append(node);
      return li;
    };
    if (!item.recipients?.some((r) => r.kid === key.kid)) {
      place.append(wrap(failureEntry(item, text.not_sealed)));
      continue;
    }
    const opened = await openEnvelope(item, key, bundle, handlers);
    let entry = null;
    try {
      if (opened?.kind === "report") entry = reportEntry(opened.plaintext, text);
      else if (opened?.kind === "attachment") entry = attachmentEntry(opened.plaintext, text);
      else if (opened) entry = messageEntry(item, opened, handlers, text);
    } catch (failure) {
      if (!(failure instanceof SyntaxError) && !(failure instanceof TypeError)) throw failure;
      entry = null; // a payload that opened but does not parse is not shown either
    }
    place.append(entry ?? wrap(failureEntry(item, text.unverified)));
  }
  page.querySelector("[data-no-attachments]").hidden = places.attachment.children.length > 0;
  page.querySelector("[data-no-messages]").hidden = places.message.children.length > 0;
  target.replaceChildren(page);
}

/** Unlock the chosen key file, check it belongs to the case, then open the case. */
async function unlockAndOpen(reader, form, text) {
  const error = reader.querySelector("[data-reader-error]");
  const notice = reader.querySelector("[data-reader-notice]");
  say(error, "");
  say(notice, "");
  const file = form.querySelector("#key-file").files[0];
  const field = form.querySelector("#unlock-phrase");
  if (!file) return say(error, text.no_file);
  const passphrase = field.value;
  let key;
  try {
    key = await mc.unlockKeyFile(await file.text(), passphrase);
  } catch (failure) {
    if (failure instanceof mc.WrongPassphrase) return say(error, text.wrong_phrase);
    if (failure instanceof mc.CryptoError) return say(error, text.bad_key_file);
    throw failure;
  } finally {
    field.value = "";
  }
  const bundle = await fetchBundle(reader.dataset.envelopesUrl);
  const handlers = await handlerKeys(bundle, reader.dataset.institution);
  if (!handlers.has(key.kid)) {
    unlocked = null;
    reader.querySelector("[data-opened]").replaceChildren();
    return say(error, text.not_for_this_case);
  }
  unlocked = key;
  await render(reader.querySelector("[data-opened]"), bundle, unlocked, handlers, text);
  say(notice, text.opened);
}

/** Offer the key form when this browser can run the cryptography; otherwise the page stays as it is. */
async function enhance(reader) {
  if (!(await capable()) || typeof Blob === "undefined" || !URL.createObjectURL) return;
  const text = messages();
  const form = reader.querySelector("[data-key-form]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unlockAndOpen(reader, form, text).catch((failure) => {
      console.error("opening the case failed", failure.name);
      say(reader.querySelector("[data-reader-error]"), text[failure.key] || text.network);
    });
  });
  reader.hidden = false;
}

const reader = document.querySelector("[data-reader]");
if (reader) enhance(reader);
