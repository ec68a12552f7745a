// The proof that this handler holds the private key of their account: the browser unlocks the key
// file (or uses the key kept for this session), signs the server's random challenge bound to the
// account and its key id, and posts only the signature. The key never leaves this browser.
import { post, unlock } from "./handler-keys.js";
import * as keystore from "./keystore.js";
import * as mc from "./meldpunt-crypto.js";
import { capable, messages, say } from "./page.js";

/** Sign the page's challenge with a key of the account's kid and post it; true when the server accepts. */
async function proveWith(section, key, text) {
  const error = section.querySelector("[data-prove-error]");
  if (key.kid !== section.dataset.kid) {
    say(error, text.other_key);
    return false;
  }
  const challenge = mc.b64u.decode(section.dataset.challenge);
  const signature = await mc.signPossession(key, challenge, section.dataset.handler, key.kid);
  const answer = await post(section.dataset.url, section.dataset.csrf, { signature: mc.b64u.encode(signature) });
  if (answer.status !== 200) {
    say(error, text.refused);
    return false;
  }
  say(section.querySelector("[data-prove-notice]"), text.proven);
  window.location.assign(answer.data.next);
  return true;
}

/** Unlock the chosen key file, keep it for the session where possible, and prove with it. */
async function submit(section, text) {
  const error = section.querySelector("[data-prove-error]");
  say(error, "");
  const file = section.querySelector("#key-file").files[0];
  const field = section.querySelector("#unlock-phrase");
  if (!file) {
    say(error, text.no_file);
    return;
  }
  let key;
  try {
    key = (await unlock(file, field.value, section.dataset.workspace)).key;
  } catch (failure) {
    if (failure instanceof mc.WrongPassphrase) say(error, text.wrong_phrase);
    else if (failure instanceof mc.CryptoError) say(error, text.bad_key_file);
    else throw failure;
    return;
  } finally {
    field.value = "";
  }
  await proveWith(section, key, text);
}

/** Prove at once with a key kept for this session, else show the form. */
async function enhance(section) {
  if (!(await capable())) return;
  const text = messages();
  section.hidden = false;
  section.querySelector("[data-key-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(section, text).catch((failure) => {
      console.error("proof failed", failure.name);
      say(section.querySelector("[data-prove-error]"), text.network);
    });
  });
  const kept = await keystore.recall(section.dataset.workspace).catch(() => null);
  if (kept && kept.kid === section.dataset.kid) await proveWith(section, kept, text).catch(() => false);
}

const section = document.querySelector("[data-prove]");
if (section) enhance(section);
