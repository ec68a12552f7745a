// A case in the handler's browser: the key file is read from disk and unlocked here with its
// passphrase; neither is ever sent. The envelopes come sealed from the server and are opened, with
// every signature verified, on this device. Replies are sealed and signed here, and forwarding or
// giving a colleague access re-wraps data keys here, only ever for keys in a key list the
// institution signed. Decrypted text is written with textContent only.
import { caseKeys, fetchBundle, post, rewrap, unlock, verified } from "./handler-keys.js";
import * as keystore from "./keystore.js";
import * as mc from "./meldpunt-crypto.js";
import { capable, fromUtf8, messages, recipientsOf, say, utf8 } from "./page.js";
import * as reportKeys from "./report-keys.js";

// The unlocked key: non-extractable WebCrypto keys kept for the staff session where the browser
// has native X25519 and Ed25519, else raw bytes in this module's memory for this page only. The
// X-Wing seed of a version 2 key file (xwingSeed, for envelope v2) is raw bytes either way.
let unlocked = null;
let blobUrls = [];
let current = null; // {bundle, handlers, readers, institution, reporter} of the case once it is open

/** Return a clone of a template's content. */
const clone = (id) => document.getElementById(id).content.cloneNode(true);

/**
 * Open one envelope, verifying its signer for its direction; return {kind, direction, plaintext} or null.
 * The reporter's key and the reply key are the report's (report-keys.js), never the case's stored ones.
 */
async function openEnvelope(envelope, key, reporter, handlers) {
  try {
    return await reportKeys.openEnvelope(envelope, key, reporter, handlers);
  } catch (failure) {
    console.warn("an envelope did not open or verify", failure.name); // fail closed, whatever the reason
    return null;
  }
}

/** Show a report's fields, with what its signature vouches for. */
function reportEntry(plaintext, signature, text) {
  const report = JSON.parse(fromUtf8(plaintext));
  const entry = clone("opened-report");
  entry.querySelector("[data-description]").textContent = String(report.description ?? "");
  entry.querySelector("[data-organisation]").textContent = String(report.organisation || text.unknown_date);
  const dates = [report.date_from, report.date_to].filter(Boolean).map(String);
  entry.querySelector("[data-dates]").textContent = dates.length ? dates.join(" – ") : text.unknown_date;
  entry.querySelector("[data-signature]").textContent = signature;
  return entry;
}

/** Show a message with its day, sender and what its signature vouches for. */
function messageEntry(item, opened, handlers, signature, text) {
  const entry = clone("opened-message");
  const message = JSON.parse(fromUtf8(opened.plaintext));
  const signer = item.sig.signer;
  entry.querySelector("li").className = opened.direction;
  entry.querySelector("[data-day]").textContent = item.day;
  entry.querySelector("[data-sender]").textContent = signer === "reporter" ? text.reporter : handlers.get(signer).name;
  entry.querySelector("[data-signature]").textContent = signature;
  entry.querySelector("[data-about]").textContent = message.about === "closing" ? text.closing : "";
  entry.querySelector("[data-text]").textContent = String(message.text ?? "");
  return entry;
}

/** Offer an attachment as a download of a Blob URL, under its own file name. */
function attachmentEntry(plaintext, signature) {
  const newline = plaintext.indexOf(0x0a);
  const info = JSON.parse(fromUtf8(plaintext.slice(0, newline)));
  const url = URL.createObjectURL(new Blob([plaintext.slice(newline + 1)], { type: "application/octet-stream" }));
  blobUrls.push(url);
  const entry = clone("opened-attachment");
  const link = entry.querySelector("[data-download]");
  link.href = url;
  link.download = String(info.name);
  link.textContent = String(info.name);
  entry.querySelector("[data-signature]").textContent = signature;
  return entry;
}

/** Show an envelope that did not open or verify: never its contents, only that it failed. */
function failureEntry(item, message) {
  const entry = clone("opened-failure");
  entry.querySelector("[data-failure]").textContent = `${item.day}: ${message}`;
  return entry;
}

/** Tell whether a key stored with the case is not the report's: replies then wait until that is looked into. */
const keysAltered = (reporter) =>
  reporter.problems.some((code) => ["reply_key", "signing_key", "reply_xwing_key"].includes(code));

/** Show what the case's stored values do not agree with in its report, or that there is no report to trust. */
function problemsOf(reporter, text) {
  if (reporter.source === reportKeys.NONE) return text.report_untrusted;
  if (keysAltered(reporter)) return text.keys_altered;
  return reporter.problems.length ? text.metadata_altered : "";
}

/** Open every envelope of the bundle sealed to the key and show the case. */
async function render(target, bundle, key, handlers, reporter, text) {
  for (const url of blobUrls) URL.revokeObjectURL(url);
  blobUrls = [];
  const page = clone("opened-case");
  const places = {
    report: page.querySelector("[data-report-entries]"),
    attachment: page.querySelector("[data-attachments]"),
    message: page.querySelector("[data-messages]"),
  };
  say(page.querySelector("[data-case-problems]"), problemsOf(reporter, text));
  // The reporter's own envelopes count as verified only against the key the report itself names.
  const fromReporter = reporter.source === reportKeys.BOUND ? text.verified : text.unbound;
  for (const item of bundle.envelopes) {
    const { kind } = reportKeys.peek(item);
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
    // An X-Wing wrap for this kid opens only with the seed of the upgraded (version 2) key file.
    if (!key.xwingSeed && item.v === 2 && item.recipients.some((r) => r.kid === key.kid && !r.kem)) {
      place.append(wrap(failureEntry(item, text.needs_upgrade)));
      continue;
    }
    const opened = await openEnvelope(item, key, reporter, handlers);
    const signature = opened?.direction === "to_handlers" ? fromReporter : text.verified;
    let entry = null;
    try {
      if (opened?.kind === "report") entry = reportEntry(opened.plaintext, signature, text);
      else if (opened?.kind === "attachment") entry = attachmentEntry(opened.plaintext, signature);
      else if (opened) entry = messageEntry(item, opened, handlers, signature, text);
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

/** Fetch and verify the case, then open it with the unlocked key; false if the key is not one of its readers. */
async function openCase(reader, text) {
  const bundle = await fetchBundle(reader.dataset.envelopesUrl);
  const { handlers, readers, institution } = await caseKeys(bundle, reader.dataset.institution);
  if (!handlers.has(unlocked.kid)) {
    reader.querySelector("[data-opened]").replaceChildren();
    return false;
  }
  const reporter = await reportKeys.fromReport(bundle, unlocked);
  current = { bundle, handlers, readers, institution, reporter };
  await render(reader.querySelector("[data-opened]"), bundle, unlocked, handlers, reporter, text);
  reader.querySelector("[data-key-form]").hidden = true;
  const keyBox = reader.querySelector("[data-key-box]");
  if (keyBox) keyBox.hidden = true;
  reader.querySelector("[data-actions]").hidden = false;
  const side = document.querySelector("[data-side-actions]");
  if (side) side.hidden = false;
  return true;
}

/** Unlock the chosen key file, keep it for the session where possible, then open the case. */
async function unlockAndOpen(reader, form, text) {
  const error = reader.querySelector("[data-reader-error]");
  const notice = reader.querySelector("[data-reader-notice]");
  say(error, "");
  say(notice, "");
  const file = form.querySelector("#key-file").files[0];
  const field = form.querySelector("#unlock-phrase");
  if (!file) return say(error, text.no_file);
  let kept;
  try {
    ({ key: unlocked, kept } = await unlock(file, field.value, reader.dataset.workspace));
  } catch (failure) {
    if (failure instanceof mc.WrongPassphrase) return say(error, text.wrong_phrase);
    if (failure instanceof mc.CryptoError) return say(error, text.bad_key_file);
    throw failure;
  } finally {
    field.value = "";
  }
  if (!(await openCase(reader, text))) {
    unlocked = null;
    await keystore.forget(); // a key that reads none of this handler's cases is not kept
    return say(error, text.not_for_this_case);
  }
  say(notice, kept ? text.opened_kept : text.opened);
  document.dispatchEvent(new CustomEvent("meldpunt:key-unlocked", { detail: { name: unlocked.name } }));
}

/**
 * Say in the page's language why the server refused an action, by its status; the server's own reason (plain
 * English for developers) goes to the console only.
 */
function refusal(answer, text) {
  console.warn("the server refused the action", answer.status, answer.data?.error);
  return `${text[`refused_${answer.status}`] || text.refused} (${answer.status})`;
}

/** Reload the case page with a notice of what was done; a kept key opens it again at once. */
function done(what) {
  const url = new URL(window.location.href);
  url.searchParams.set("done", what);
  window.location.assign(url.toString());
}

/** Return the error or notice element of the actions box a form sits in (under the conversation, or beside it). */
const shown = (form, what) => form.closest("[data-actions], [data-side-actions]").querySelector(`[data-action-${what}]`);

/** Seal a reply to the reporter and every verified reader, sign it with the own key, and send it. */
async function sendReply(reader, form, action, text) {
  const error = shown(form, "error");
  const message = form.querySelector("#reply-text").value.trim();
  if (!message) return say(error, text.reply_empty);
  const { readers, reporter } = current;
  // Sealed to the reply key of the verified report only; a stored key that differs from it stops the reply.
  const trusted = reporter.source === reportKeys.BOUND || reporter.source === reportKeys.LEGACY;
  if (!trusted || keysAltered(reporter)) return say(error, text.reply_untrusted);
  const replyPublicKey = reporter.replyKey;
  const about = { reply: "reply", acknowledge: "acknowledgement", close: "closing" }[action];
  // The reporter's X-Wing key as the report names it (a case filed since issue 17): the reply is post-quantum.
  const own = { kid: await mc.fingerprint(replyPublicKey), x25519: replyPublicKey };
  const envelope = await mc.seal(utf8(JSON.stringify({ text: message, about })), {
    kind: "message",
    direction: "to_reporter",
    replyPublicKey,
    recipients: [...readers, reporter.replyXWing ? { ...own, xwing: reporter.replyXWing } : own],
    signer: unlocked.kid,
    signingSeed: unlocked.ed25519Seed,
  });
  const answer = await post(reader.dataset.messagesUrl, reader.dataset.csrf, { action, envelope });
  if (answer.status !== 201) return say(error, refusal(answer, text));
  done(action === "reply" ? "replied" : action);
}

/** Forward the case: verify the new destination's signed key list, re-wrap for its keys only, send. */
async function forward(reader, form, text) {
  const error = shown(form, "error");
  const slug = form.querySelector("#forward-to").value;
  if (!slug) return say(error, text.forward_choose);
  const response = await fetch(reader.dataset.forwardKeysUrl.replace("__slug__", encodeURIComponent(slug)), {
    credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
  });
  if (!response.ok) return say(error, response.status === 503 ? text.keylist : text.network);
  const list = await verified((await response.json()).key_list, current.institution, slug);
  const readers = recipientsOf([list]); // with their X-Wing keys: a v2 envelope wraps for them with X-Wing
  const wraps = await rewrap(current.bundle, unlocked, readers, { skipUnreadable: false });
  const answer = await post(reader.dataset.forwardUrl, reader.dataset.csrf, { destination: slug, wraps });
  if (answer.status !== 201) return say(error, refusal(answer, text));
  done("forwarded");
}

/** Give colleagues in the verified key lists access to envelopes they are not sealed to yet. */
async function grant(reader, form, text) {
  const error = shown(form, "error");
  const wraps = await rewrap(current.bundle, unlocked, current.readers, { skipUnreadable: true });
  if (!Object.keys(wraps).length) return say(shown(form, "notice"), text.grant_nothing);
  const answer = await post(reader.dataset.grantUrl, reader.dataset.csrf, { wraps });
  if (answer.status !== 201) return say(error, refusal(answer, text));
  done("granted");
}

/** Wrap the data keys again for every verified reader but oneself, beside their wraps: a bad wrap never blocks. */
async function regrant(reader, form, text) {
  const error = shown(form, "error");
  const others = current.readers.filter((r) => r.kid !== unlocked.kid);
  const wraps = await rewrap(current.bundle, unlocked, others, { skipUnreadable: true, again: true });
  if (!Object.keys(wraps).length) return say(shown(form, "notice"), text.grant_nothing);
  const answer = await post(reader.dataset.grantUrl, reader.dataset.csrf, { wraps });
  if (answer.status !== 201) return say(error, refusal(answer, text));
  done("granted");
}

/** Run an action's handler, showing a plain message for any failure beside the form it came from. */
function guarded(form, text, work) {
  for (const element of document.querySelectorAll("[data-action-error], [data-action-notice]")) say(element, "");
  work().catch((failure) => {
    (failure instanceof mc.CryptoError ? console.warn : console.error)("the action failed", failure.name);
    say(shown(form, "error"), text[failure.key] || text.network);
  });
}

/** Wire the reply form under the conversation and the forward and access forms beside it. */
function wireActions(reader, text) {
  const replyForm = reader.querySelector("[data-reply-form]");
  replyForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    const action = event.submitter?.value || "reply";
    guarded(replyForm, text, () => sendReply(reader, replyForm, action, text));
  });
  const forwardForm = document.querySelector("[data-forward-form]");
  forwardForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(forwardForm, text, () => forward(reader, forwardForm, text));
  });
  const grantForm = document.querySelector("[data-grant-form]");
  grantForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(grantForm, text, () => grant(reader, grantForm, text));
  });
  const regrantForm = document.querySelector("[data-regrant-form]");
  regrantForm?.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(regrantForm, text, () => regrant(reader, regrantForm, text));
  });
}

/** Offer the key form when this browser can run the cryptography; open at once with a key kept for the session. */
async function enhance(reader) {
  if (!(await capable()) || typeof Blob === "undefined" || !URL.createObjectURL) return;
  const text = messages();
  const form = reader.querySelector("[data-key-form]");
  const fail = (failure) => {
    (failure instanceof mc.CryptoError ? console.warn : console.error)("opening the case failed", failure.name);
    say(reader.querySelector("[data-reader-error]"), text[failure.key] || text.network);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    unlockAndOpen(reader, form, text).catch(fail);
  });
  wireActions(reader, text);
  reader.hidden = false;
  const kept = await keystore.recall(reader.dataset.workspace).catch(() => null);
  if (kept) {
    unlocked = kept;
    const shown = await openCase(reader, text).catch((failure) => {
      fail(failure);
      return null;
    });
    if (shown === false) say(reader.querySelector("[data-reader-error]"), text.not_for_this_case);
    else if (shown) say(reader.querySelector("[data-reader-notice]"), text.opened_kept);
  }
}

/** Keep the open case in sight in the inbox list beside it, whose cases scroll on their own. */
function showCurrentInList() {
  const list = document.querySelector(".case-list__items");
  const open = list?.querySelector('[aria-current="page"]');
  if (!list || !open || list.scrollHeight <= list.clientHeight) return;
  const item = open.closest("li"); // the list is positioned: it is the item's offsetParent
  list.scrollTop = Math.max(0, item.offsetTop - list.clientHeight / 3);
}

showCurrentInList();
const reader = document.querySelector("[data-reader]");
if (reader) enhance(reader);
