// The browser path of the status page: the token stays on this device, which derives the keys,
// opens the replies and seals follow-up messages. Decrypted text is written with textContent.
import { attachmentPayload, chosenFiles } from "./attachments.js";
import { formatDay, pageLanguage } from "./dates.js";
import * as mc from "./meldpunt-crypto.js";
import { api, capable, flag, fromUtf8, instance, messages, recipientsOf, say, utf8, verifyLists } from "./page.js";
import { peek } from "./report-keys.js";

/** Show a text in an alert's message, and the alert with it; hide the alert when the text is empty. */
function sayIn(box, element, text) {
  say(element, text);
  if (box) box.hidden = !text;
}

/** Return the status page's own translated messages, beside the shared ones of page.js. */
function statusMessages() {
  const found = {};
  for (const item of document.getElementById("status-messages")?.content.querySelectorAll("[data-message]") ?? []) {
    found[item.dataset.message] = item.textContent.trim();
  }
  return found;
}

/** Return the names a sealed report or message lists as its attachments. */
const namesOf = (value) => (Array.isArray(value) ? value.filter((name) => typeof name === "string") : []);

/** Return the label texts rendered by the server: statuses and categories. */
function labels() {
  const found = { status: {}, category: {} };
  for (const item of document.getElementById("labels").content.querySelectorAll("[data-status], [data-category]")) {
    if (item.dataset.status) found.status[item.dataset.status] = item.textContent;
    else found.category[item.dataset.category] = item.textContent;
  }
  return found;
}

/**
 * Open one message, verifying who signed it; return {text, about, attachments}, or null if it is not genuine.
 * The token's keys open the reporter's wrap of either kind: X-Wing with the reply key's X-Wing part (a case filed
 * since issue 17), classical with the reply key (a case filed before, in envelope v1 or v2).
 */
async function openMessage(item, keys, handlers) {
  const { direction } = peek(item.envelope); // the header's direction, authenticated once it opens; not the row's
  const verifyKey = (signer) => {
    if (direction === "to_handlers") return signer === "reporter" ? keys.signingPublic : null;
    return handlers.get(signer)?.ed25519 ?? null;
  };
  try {
    const plaintext = await mc.open(item.envelope, {
      ...mc.tokens.openingKey(keys), verifyKey, replyPublicKey: keys.replyPublic, kind: "message",
    });
    const { text, about, attachments } = JSON.parse(fromUtf8(plaintext));
    if (typeof text !== "string") return null;
    return {
      text,
      about: direction === "to_reporter" && about === "closing" ? about : null,
      attachments: direction === "to_handlers" ? namesOf(attachments) : [],
    };
  } catch (failure) {
    return null;
  }
}

/** Open the student's own copy of the report with the token's keys; null if it does not open or verify. */
async function openCopy(envelope, keys) {
  try {
    const plaintext = await mc.open(envelope, {
      ...mc.tokens.openingKey(keys),
      verifyKey: (signer) => (signer === "reporter" ? keys.signingPublic : null), // the token's key, never a stored one
      replyPublicKey: keys.replyPublic,
      kind: "report",
    });
    const report = JSON.parse(fromUtf8(plaintext));
    if (typeof report?.description !== "string") return null;
    return report;
  } catch (failure) {
    return null;
  }
}

/** Show the own copy of the report, if one was kept, with every field written as text. */
async function showCopy(page, found, keys, lang) {
  const section = page.querySelector("[data-own-copy]");
  if (!found.own_copy) {
    section.remove();
    page.querySelector("[data-no-copy]").hidden = false;
    return;
  }
  page.querySelector("[data-no-copy]").remove();
  section.hidden = false;
  const report = await openCopy(found.own_copy, keys);
  if (!report) {
    page.querySelector("[data-copy-failed]").hidden = false;
    page.querySelector("[data-copy-description]").remove();
    page.querySelector("[data-copy-facts]").remove();
    return;
  }
  page.querySelector("[data-copy-failed]").remove();
  page.querySelector("[data-copy-description]").textContent = report.description;
  const text = (value) => (typeof value === "string" ? value : "");
  const dates = [text(report.date_from), text(report.date_to)].filter(Boolean).map((day) => formatDay(day, lang));
  const facts = {
    organisation: text(report.organisation),
    dates: dates.join(" – "),
    attachments: namesOf(report.attachments).join(", "),
  };
  for (const [name, value] of Object.entries(facts)) {
    const item = page.querySelector(`[data-copy-fact="${name}"]`);
    if (!value) item.remove();
    else item.querySelector("dd").textContent = value;
  }
}

/** Write a deadline: when it was met if it was, else when it is due; a closed case no longer waits for one. */
function showDeadline(page, name, met, due, closed, lang) {
  const item = page.querySelector(`[data-fact="${name}"]`);
  if (!met && closed) return item.remove();
  item.querySelector(`[data-when="${met ? "due" : "met"}"]`).remove();
  const value = item.querySelector(`[data-deadline="${name}"]`);
  value.textContent = formatDay(met || due, lang);
  if (met) value.setAttribute("data-deadline-met", "");
  else value.removeAttribute("data-deadline-met");
}

/** Render the case: status, deadlines and the opened conversation. */
async function render(root, session, found, notice) {
  const { text, names } = session;
  const page = document.getElementById("status-page").content.cloneNode(true);
  const status = page.querySelector("[data-case-status]");
  status.textContent = names.status[found.status] || found.status;
  status.setAttribute("data-case-status", found.status);
  const lang = pageLanguage();
  const closed = found.status === "closed" || Boolean(found.closed_on);
  page.querySelector("[data-category]").textContent = names.category[found.category] || found.category;
  page.querySelector("[data-received]").textContent = formatDay(found.received_on, lang);
  showDeadline(page, "ack", found.acknowledged_on, found.ack_due, closed, lang);
  showDeadline(page, "feedback", found.feedback_on, found.feedback_due, closed, lang);
  if (found.closed_on) page.querySelector("[data-closed]").textContent = formatDay(found.closed_on, lang);
  else page.querySelector('[data-fact="closed"]').remove();
  sayIn(page.querySelector("[data-notice-box]"), page.querySelector("[data-notice]"), notice);
  await showCopy(page, found, session.keys, lang);
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
    entry.querySelector("[data-day]").textContent = formatDay(item.day, lang);
    const signer = item.envelope.sig.signer;
    entry.querySelector("[data-sender]").textContent =
      direction === "to_handlers" ? text.you : handlers.get(signer)?.from || "?";
    const body = entry.querySelector("[data-text]");
    body.textContent = opened?.text ?? text.unverified;
    if (opened === null) body.className = "error";
    say(entry.querySelector("[data-about]"), opened?.about === "closing" ? text.closing : "");
    const files = opened?.attachments ?? [];
    say(entry.querySelector("[data-message-attachments]"), files.length ? `${text.attachments}: ${files.join(", ")}` : "");
    list.append(entry);
  }
  page.querySelector("[data-no-messages]").hidden = found.messages.length > 0;
  if (found.status === "closed") page.querySelector("[data-follow-up]").remove();
  else {
    const lists = found.destinations.map((d) => verified.get(d.slug));
    const form = page.querySelector("[data-message-form]");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(root, session, form, lists, found.reply_xwing_key).catch((failure) => {
        console.error("sending failed", failure.name);
        say(root.querySelector("[data-progress]"), "");
        sayIn(root.querySelector("[data-error-box]"), root.querySelector("[data-error]"), text.network);
      });
    });
  }
  root.replaceChildren(page);
}

/** Seal a follow-up, and any files with it, to the case's handlers, the recovery key if any and the reporter's own
 * reply key, then reload. On a refusal the typed message stays; the files are to be chosen again. */
async function send(root, session, form, lists, storedXWing) {
  const { text, keys } = session;
  const error = root.querySelector("[data-error]");
  const box = root.querySelector("[data-error-box]");
  const progress = root.querySelector("[data-progress]");
  const message = form.message.value.trim();
  flag(form, message ? null : form.message, error);
  if (!message) return sayIn(box, error, text.message_empty);
  const { files, problem } = chosenFiles(form.attachments, session.settings.limits);
  if (problem) {
    flag(form, form.attachments, error);
    return sayIn(box, error, text[problem]);
  }
  if (lists.some((list) => list instanceof Error)) return sayIn(box, error, text.keylist);
  sayIn(box, error, "");
  let payloads;
  try {
    payloads = await Promise.all(files.map(attachmentPayload));
  } catch (failure) {
    flag(form, form.attachments, error);
    return sayIn(box, error, text.image);
  }
  say(progress, text.sealing_message);
  // The own copy is post-quantum where the case has the reply key's X-Wing part (filed since issue 17), and only
  // if the case's is the token's: a stored key that is not the token's stops the message rather than seal to it.
  if (storedXWing && storedXWing !== mc.b64u.encode(keys.replyXWingPublic)) return sayIn(box, error, text.keys_altered);
  const own = await mc.tokens.reader(keys, Boolean(storedXWing));
  const seal = (plaintext, kind) => mc.seal(plaintext, {
    kind, direction: "to_handlers", replyPublicKey: keys.replyPublic,
    recipients: [...recipientsOf(lists), own], signer: "reporter", signingSeed: keys.signingSeed,
  });
  const sealed = { text: message };
  if (payloads.length) sealed.attachments = payloads.map((file) => file.name);
  const body = { lookup_key: session.lookupKey, envelope: await seal(utf8(JSON.stringify(sealed)), "message") };
  if (payloads.length) body.attachments = await Promise.all(payloads.map((file) => seal(file.payload, "attachment")));
  const answer = await api(session.base, "/cases/messages", body);
  say(progress, "");
  if (answer.status !== 201) {
    form.attachments.value = ""; // chosen again, as on the server path
    return sayIn(box, error, `${text.refused_message} ${answer.data.error || answer.status}`);
  }
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
  const text = { ...messages(), ...statusMessages() };
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
  return true;
}

const form = document.getElementById("status-form");
/** Whether the token form was taken over (true) or left to the server (false): token.js waits for it before it
 * submits a token it holds, so that a token made on this device is never posted to the server. */
export const ready = form ? enhance(form).then(Boolean) : Promise.resolve(false);
