// Giving a colleague who joined a destination access to its open cases, case by case in this
// browser: each case is opened with the own key, its key lists verified against the institution
// key, and the data keys wrapped again only for verified keys that lack them. Progress is shown.
import { caseKeys, fetchBundle, post, rewrap, unlock } from "./handler-keys.js";
import * as keystore from "./keystore.js";
import * as mc from "./meldpunt-crypto.js";
import { capable, messages, say } from "./page.js";

/** Fill {name} placeholders of a translated message. */
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_all, name) => String(values[name]));

/** Return the kept key of this session, or unlock the chosen key file; null with a message when neither. */
async function ownKey(section, text) {
  const kept = await keystore.recall(section.dataset.workspace).catch(() => null);
  if (kept) return kept;
  const error = section.querySelector("[data-access-error]");
  const file = section.querySelector("#key-file").files[0];
  const field = section.querySelector("#unlock-phrase");
  if (!file) {
    say(error, text.no_file);
    return null;
  }
  try {
    return (await unlock(file, field.value, section.dataset.workspace)).key;
  } catch (failure) {
    if (failure instanceof mc.WrongPassphrase) say(error, text.wrong_phrase);
    else if (failure instanceof mc.CryptoError) say(error, text.bad_key_file);
    else throw failure;
    return null;
  } finally {
    field.value = "";
  }
}

/** Give access on one case; returns how many wraps were added. */
async function grantOne(section, key, caseId) {
  const base = section.dataset.caseUrl.replace("__id__", encodeURIComponent(caseId));
  const bundle = await fetchBundle(`${base}/envelopes`);
  const { readers } = await caseKeys(bundle, section.dataset.institution);
  const wraps = await rewrap(bundle, key, readers, { skipUnreadable: true });
  if (!Object.keys(wraps).length) return 0;
  const answer = await post(`${base}/grant`, section.dataset.csrf, { wraps });
  if (answer.status !== 201) throw Object.assign(new Error(answer.data.error || String(answer.status)), { key: "refused" });
  return answer.data.added;
}

/** Walk every listed case, showing progress, and say which ones failed. */
async function grantAll(section, text) {
  say(section.querySelector("[data-access-error]"), "");
  const key = await ownKey(section, text);
  if (!key) return;
  const ids = section.dataset.cases.split(" ").filter(Boolean);
  const progress = section.querySelector("[data-progress]");
  const notice = section.querySelector("[data-access-notice]");
  progress.hidden = false;
  let granted = 0;
  const failed = [];
  for (const [index, caseId] of ids.entries()) {
    say(notice, fill(text.progress, { done: index + 1, total: ids.length }));
    try {
      if ((await grantOne(section, key, caseId)) > 0) granted += 1;
    } catch (failure) {
      console.warn("access for a case failed", failure.name);
      failed.push(caseId);
    }
    progress.value = index + 1;
  }
  say(notice, fill(text.finished, { granted }));
  if (failed.length) say(section.querySelector("[data-access-error]"), `${text.failed} ${failed.join(", ")}`);
}

/** Show the form when this browser can do the cryptography; ask for the key file only if none is kept. */
async function enhance(section) {
  if (!(await capable())) return;
  const text = messages();
  const kept = await keystore.recall(section.dataset.workspace).catch(() => null);
  section.querySelector("[data-key-form]").hidden = Boolean(kept);
  section.querySelector("[data-grant-all]").addEventListener("submit", (event) => {
    event.preventDefault();
    grantAll(section, text).catch((failure) => {
      console.error("giving access failed", failure.name);
      say(section.querySelector("[data-access-error]"), text[failure.key] || text.network);
    });
  });
  section.hidden = false;
}

const section = document.querySelector("[data-access]");
if (section) enhance(section);
