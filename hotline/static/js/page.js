// Shared helpers of the report and status pages: the API, translated messages, text output.
// Decrypted or typed text only ever reaches the page through textContent.
import * as mc from "./meldpunt-crypto.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encode a string as UTF-8 bytes. */
export const utf8 = (text) => encoder.encode(text);

/** Decode UTF-8 bytes strictly. */
export const fromUtf8 = (bytes) => decoder.decode(bytes);

/** Return the bytes of a hex string. */
export function fromHex(text) {
  const pairs = text.match(/../g) || [];
  return Uint8Array.from(pairs, (pair) => parseInt(pair, 16));
}

/** Return the translated browser messages rendered by the server into a template. */
export function messages() {
  const found = {};
  const template = document.getElementById("crypto-messages");
  for (const item of template ? template.content.querySelectorAll("[data-message]") : []) {
    found[item.dataset.message] = item.textContent.trim();
  }
  return found;
}

/** Show a text in an element, or hide the element when the text is empty. */
export function say(element, text) {
  if (!element) return;
  element.textContent = text || "";
  element.hidden = !text;
}

/** Mark a field invalid and tie it to the announced error (aria-describedby), then focus it; null clears all marks. */
export function flag(form, field, error) {
  for (const marked of form.querySelectorAll("[data-flagged]")) {
    marked.removeAttribute("aria-invalid");
    marked.removeAttribute("aria-describedby");
    marked.removeAttribute("data-flagged");
  }
  if (!field) return;
  error.id ||= `${form.id || "form"}-browser-error`;
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", error.id);
  field.setAttribute("data-flagged", "");
  field.focus();
}

/** Call the JSON API without cookies; return {ok, status, data}. */
export async function api(base, path, body) {
  const options = { credentials: "omit", cache: "no-store", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(base + path, options);
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

/** Check that the browser can run the whole browser path; false means: use the server path. */
export async function capable() {
  try {
    if (!globalThis.crypto || !globalThis.crypto.subtle || !globalThis.fetch) return false;
    await mc.tokens.derive(mc.tokens.generate(), new Uint8Array(32));
    return true;
  } catch (error) {
    console.warn("browser encryption unavailable, using the server path", error.name);
    return false;
  }
}

/** Load the instance settings and the institution key; refuse a key that is not the page's. */
export async function instance(base, expectedFingerprint) {
  const answer = await api(base, "/instance");
  if (!answer.ok) throw new Error("instance settings unavailable");
  const institution = mc.b64u.decode(answer.data.institution.ed25519);
  const fingerprint = await mc.fingerprint(institution);
  if (!expectedFingerprint || fingerprint !== expectedFingerprint.toLowerCase()) {
    throw new mc.KeyListError("the institution key does not match this page's fingerprint");
  }
  return { salt: fromHex(answer.data.instance_salt), institution, limits: answer.data.limits };
}

/** Verify the signed key lists of destinations; return slug -> verified list (or an Error). */
export async function verifyLists(destinations, institution) {
  const verified = new Map();
  for (const destination of destinations) {
    try {
      if (!destination.key_list) throw new mc.KeyListError(destination.error || "no key list");
      verified.set(destination.slug, await mc.verifyKeyList(destination.key_list, institution, destination.slug));
    } catch (error) {
      verified.set(destination.slug, error);
    }
  }
  return verified;
}

/**
 * Return [{kid, x25519, xwing}] over verified key lists, each key once, as mc.seal and mc.wrapsFor read readers: a
 * key with an X-Wing key in any list keeps it, so it gets a post-quantum wrap, never a classical one.
 */
export function recipientsOf(lists) {
  return mc.uniqueReaders(lists.flatMap((list) => list.keys));
}
