// The browser path of the report form: the token, the keys and the sealing stay on this device.
// Only the lookup key, two public keys and sealed envelopes are sent.
import * as mc from "./meldpunt-crypto.js";
import { attachmentPayload } from "./attachments.js";
import { formatDay, pageLanguage } from "./dates.js";
import { api, capable, flag, instance, messages, recipientsOf, say, utf8, verifyLists } from "./page.js";
import { enhanceTokenPage, openStatus, writeToken } from "./token.js";

/** Check the fields as the server would; return the first problem's message key, or null. */
function problem(form, limits) {
  const description = form.description.value.trim();
  if (!description) return "description";
  if (description.length > limits.max_description_chars) return "description_long";
  const from = form.date_from.value.trim();
  const to = form.date_to.value.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  if ((from && !iso.test(from)) || (to && !iso.test(to))) return "dates";
  if (from && to && to < from) return "date_order";
  const files = [...form.attachments.files].filter((file) => file.name);
  if (files.length > limits.max_attachments) return "attachments_count";
  if (files.some((file) => file.size > limits.max_attachment_bytes || file.size === 0)) return "attachments_size";
  return null;
}

// The field each problem of problem() belongs to, for aria-invalid and focus.
const PROBLEM_FIELDS = {
  description: "#description",
  description_long: "#description",
  dates: "#date_from",
  date_order: "#date_to",
  attachments_count: "#attachments",
  attachments_size: "#attachments",
};

/** Replace the form with the confirmation page, the token written as text in its groups; it lives in memory only. */
function showToken(token, answer) {
  const page = document.getElementById("token-page").content.cloneNode(true);
  writeToken(page.querySelector("[data-case-token]"), token);
  page.querySelector("[data-ack-due]").textContent = formatDay(answer.ack_due, pageLanguage());
  page.querySelector("[data-feedback-due]").textContent = formatDay(answer.feedback_due, pageLanguage());
  page.querySelector("[data-sealed-here]").hidden = false;
  const main = document.querySelector("main");
  main.replaceChildren(page);
  const root = main.querySelector("[data-token-page]");
  const follow = (held) => {
    openStatus(held, root.querySelector("[data-follow-form]").action)
      .then((opened) => opened || Promise.reject(new Error("status page not opened")))
      .catch((failure) => {
        console.error("opening the status failed", failure.name);
        const warning = root.querySelector("[data-unsaved-warning]");
        warning.textContent = root.dataset.followFailed;
        warning.hidden = false;
      });
  };
  enhanceTokenPage(root, { follow });
  window.scrollTo(0, 0);
}

/** Seal the report and its attachments on this device and send them. */
async function submit(form, state, text) {
  const error = form.querySelector("[data-browser-error]");
  const progress = form.querySelector("[data-progress]");
  const key = problem(form, state.settings.limits);
  flag(form, key ? form.querySelector(PROBLEM_FIELDS[key]) : null, error);
  if (key) return say(error, text[key]);
  const chosen = state.destinations.filter((d) => !d.optional || form.querySelector(`input[name="destinations"][value="${d.slug}"]`)?.checked);
  const lists = chosen.map((d) => state.verified.get(d.slug));
  if (lists.some((list) => list instanceof Error)) return say(error, text.keylist);
  say(error, "");
  say(progress, text.sealing);
  const token = mc.tokens.generate();
  const keys = await mc.tokens.derive(token, state.settings.salt);
  // Keys whose signed list entry has an X-Wing key get post-quantum wraps (envelope v2, docs/formats.md): the
  // `xwing` of a key comes from its verified key list only, never from an unsigned field of the API's answer.
  const recipients = recipientsOf(lists);
  // The student's own copy: sealed to the token's reply key too, so the token (and only it) opens the report later;
  // post-quantum, with the X-Wing part of the reply key.
  if (form.keep_copy?.checked) recipients.push(await mc.tokens.reader(keys));
  const seal = (plaintext, kind) =>
    mc.seal(plaintext, { kind, direction: "to_handlers", replyPublicKey: keys.replyPublic, recipients, signer: "reporter", signingSeed: keys.signingSeed });
  let files;
  try {
    files = await Promise.all([...form.attachments.files].filter((file) => file.name).map(attachmentPayload));
  } catch (failure) {
    say(progress, "");
    flag(form, form.attachments, error);
    return say(error, text.image);
  }
  const report = {
    category: form.category.value,
    programme: form.programme.value,
    description: form.description.value.trim(),
    organisation: form.organisation.value.trim().slice(0, 300) || null,
    date_from: form.date_from.value.trim() || null,
    date_to: form.date_to.value.trim() || null,
    attachments: files.map((file) => file.name),
    // The report names its signing key: readers check every follow-up against it, never a stored column. And the
    // reply key's X-Wing part: replies are sealed post-quantum to the token's key, never to a stored one.
    reporter_signing_key: mc.b64u.encode(keys.signingPublic),
    reply_xwing_key: mc.b64u.encode(keys.replyXWingPublic),
  };
  const body = {
    lookup_key: mc.b64u.encode(keys.lookupKey),
    reply_public_key: mc.b64u.encode(keys.replyPublic),
    reporter_signing_key: mc.b64u.encode(keys.signingPublic),
    reply_xwing_key: report.reply_xwing_key,
    category: report.category,
    programme: report.programme,
    sector: form.sector.value || null,
    phase: form.phase.value || null,
    destinations: chosen.filter((d) => d.kind !== "recovery").map((d) => d.slug), // sealed to, never routed
    report: await seal(utf8(JSON.stringify(report)), "report"),
    attachments: await Promise.all(files.map((file) => seal(file.payload, "attachment"))),
  };
  say(progress, text.sending);
  const answer = await api(state.base, "/reports", body);
  say(progress, "");
  if (answer.status === 201) return showToken(token, answer.data);
  say(error, `${text.refused} ${answer.data.error || answer.status}`);
}

/** Take over the form when the browser can seal; otherwise leave the server path in place. */
async function enhance(form) {
  if (!(await capable())) return;
  const text = messages();
  const base = form.dataset.api;
  const error = form.querySelector("[data-browser-error]");
  let state;
  try {
    const settings = await instance(base, form.dataset.institution);
    const routed = await api(base, "/recipients", { category: form.category.value, programme: form.programme.value });
    if (!routed.ok) return;
    const verified = await verifyLists(routed.data.destinations, settings.institution);
    state = { base, settings, destinations: routed.data.destinations, verified };
  } catch (failure) {
    if (failure instanceof mc.KeyListError) {
      form.querySelector('button[type="submit"]').disabled = true;
      say(error, text.institution);
    }
    return; // the API is unreachable: the server path still works
  }
  for (const destination of state.destinations) {
    const list = state.verified.get(destination.slug);
    const item = form.querySelector(`[data-destination="${destination.slug}"]`);
    const people = item?.querySelector("[data-people]");
    if (list instanceof Error) {
      if (people) people.textContent = "—";
      const box = item?.querySelector('input[name="destinations"]');
      if (!destination.optional) {
        form.querySelector('button[type="submit"]').disabled = true;
        say(error, text.keylist);
      } else if (box) {
        box.checked = false;
        box.disabled = true;
      }
    } else if (people) {
      people.textContent = list.keys.map((key) => key.name).join(", ");
    }
  }
  form.querySelector(".server-path").hidden = true;
  form.querySelector(".browser-path").hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(form, state, text).catch((failure) => {
      console.error("sealing failed", failure.name);
      say(form.querySelector("[data-progress]"), "");
      say(error, failure instanceof mc.CryptoError ? text.keylist : text.network);
    });
  });
}

const form = document.getElementById("report-form");
if (form) enhance(form);
