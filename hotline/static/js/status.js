// The browser path of the status page: the token stays on this device, which derives the keys,
// opens the replies and seals follow-up messages. Decrypted text is written with textContent.
import * as mc from "./meldpunt-crypto.js";
import { api, capable, flag, fromUtf8, instance, messages, recipientsOf, say, utf8, verifyLists } from "./page.js";
import { peek } from "./report-keys.js";

/** Return the label texts rendered by the server: statuses and categories. */
function labels() {
  const found = { status: {}, category: {} };
  for (const item of document.getElementById("labels").content.querySelectorAll("[data-status], [data-category]")) {
    if (item.dataset.status) found.status[item.dataset.status] = item.textContent;
    else found.category[item.dataset.category] = item.textContent;
  }
  return found;
}

/** Open one message, verifying who signed it; return {text, about}, or null if it is not genuine. */
async function openMessage(item, keys, handlers) {
  const { direction } = peek(item.envelope); // the header's direction, authenticated once it opens; not the row's
  const verifyKey = (signer) => {
    if (direction === "to_handlers") return signer === "reporter" ? keys.signingPublic : null;
    return handlers.get(signer)?.ed25519 ?? null;
  };
  try {
    const plaintext = await mc.open(item.envelope, {
      x25519Private: keys.replyPrivate, verifyKey, replyPublicKey: keys.replyPublic, kind: "message",
    });
    const { text, about } = JSON.parse(fromUtf8(plaintext));
    if (typeof text !== "string") return null;
    return { text, about: direction === "to_reporter" && about === "closing" ? about : null };
  } catch (failure) {
    return null;
  }
}

/** Render the case: status, deadlines and the opened conversation. */
async function render(root, session, found, notice) {
  const { text, names } = session;
  const page = document.getElementById("status-page").content.cloneNode(true);
  const status = page.querySelector("[data-case-status]");
  status.textContent = names.status[found.status] || found.status;
  status.setAttribute("data-case-status", found.status);
  page.querySelector("[data-case-id]").textContent = found.case_id;
  page.querySelector("[data-category]").textContent = names.category[found.category] || found.category;
  page.querySelector("[data-received]").textContent = found.received_on;
  page.querySelector('[data-deadline="ack"]').textContent = found.ack_due;
  page.querySelector('[data-deadline="feedback"]').textContent = found.feedback_due;
  say(page.querySelector("[data-notice]"), notice);
  const verified = await verifyLists(found.destinations, session.settings.institution);
  const handlers = new Map();
  for (const destination of found.destinations) {
    if (destination.kind === "recovery") continue; // it can read the case; it does not sign replies
    const list = verified.get(destination.slug);
    if (!(list instanceof Error)) for (const key of list.keys) handlers.set(key.kid, { ...key, from: destination.name });
  }
  const routed = page.querySelector("[data-destinations]");
  for (const destination of found.destinations) {
    if (destination.kind === "recovery") continue;
    const item = document.getElementById("destination-item").content.cloneNode(true);
    item.querySelector("[data-name]").textContent = destination.name;
    const mark = item.querySelector("[data-forwarded]");
    if (destination.forwarded) mark.hidden = false;
    else mark.remove();
    routed.append(item);
  }
  const list = page.querySelector("[data-messages]");
  for (const item of found.messages) {
    const entry = document.getElementById("message-item").content.cloneNode(true);
    const opened = await openMessage(item, session.keys, handlers);
    const { direction } = peek(item.envelope);
    entry.querySelector("li").className = direction ?? "";
    entry.querySelector("[data-day]").textContent = item.day;
    const signer = item.envelope.sig.signer;
    entry.querySelector("[data-sender]").textContent =
      direction === "to_handlers" ? text.you : handlers.get(signer)?.from || "?";
    const body = entry.querySelector("[data-text]");
    body.textContent = opened?.text ?? text.unverified;
    if (opened === null) body.className = "error";
    say(entry.querySelector("[data-about]"), opened?.about === "closing" ? text.closing : "");
    list.append(entry);
  }
  page.querySelector("[data-no-messages]").hidden = found.messages.length > 0;
  if (found.status === "closed") page.querySelector("[data-follow-up]").remove();
  else {
    const lists = found.destinations.map((d) => verified.get(d.slug));
    const form = page.querySelector("[data-message-form]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(root, session, form, lists).catch((failure) => {
        console.error("sending failed", failure.name);
        say(root.querySelector("[data-error]"), text.network);
      });
    });
  }
  root.replaceChildren(page);
}

/** Seal a follow-up to the case's handlers, the recovery key if any and the reporter's own reply key, then reload. */
async function send(root, session, form, lists) {
  const { text, keys } = session;
  const error = root.querySelector("[data-error]");
  const message = form.message.value.trim();
  flag(form, message ? null : form.message, error);
  if (!message) return say(error, text.message_empty);
  if (lists.some((list) => list instanceof Error)) return say(error, text.keylist);
  const own = { kid: await mc.fingerprint(keys.replyPublic), x25519: keys.replyPublic };
  const envelope = await mc.seal(utf8(JSON.stringify({ text: message })), {
    kind: "message", direction: "to_handlers", replyPublicKey: keys.replyPublic,
    recipients: [...recipientsOf(lists), own], signer: "reporter", signingSeed: keys.signingSeed,
  });
  const answer = await api(session.base, "/cases/messages", { lookup_key: session.lookupKey, envelope });
  if (answer.status !== 201) return say(error, `${text.refused} ${answer.data.error || answer.status}`);
  await show(root, session, text.message_sent);
}

/** Look the case up by its lookup key and show it. */
async function show(root, session, notice) {
  const answer = await api(session.base, "/cases/lookup", { lookup_key: session.lookupKey });
  if (answer.status === 404) throw Object.assign(new Error("not found"), { key: "not_found" });
  if (!answer.ok) throw Object.assign(new Error("lookup failed"), { key: "network" });
  await render(root, session, answer.data, notice);
}

/** Take over the token form when the browser can derive the keys itself. */
async function enhance(form) {
  if (!(await capable())) return;
  const text = messages();
  const root = document.querySelector("[data-status-root]");
  const error = root.querySelector("[data-browser-error]");
  form.querySelector(".browser-path").hidden = false;
  form.querySelector(".server-path").hidden = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let token;
    try {
      token = mc.tokens.normalise(form.token.value);
      flag(form, null, error);
    } catch (failure) {
      flag(form, form.token, error);
      return say(error, failure instanceof mc.TokenChecksumError ? text.token_typo : text.token_malformed);
    }
    try {
      const settings = await instance(form.dataset.api, form.dataset.institution);
      const keys = await mc.tokens.derive(token, settings.salt);
      const session = { base: form.dataset.api, settings, keys, text, names: labels(), lookupKey: mc.b64u.encode(keys.lookupKey) };
      await show(root, session, "");
    } catch (failure) {
      say(error, text[failure.key] || (failure instanceof mc.KeyListError ? text.institution : text.network));
    }
  });
}

const form = document.getElementById("status-form");
if (form) enhance(form);
