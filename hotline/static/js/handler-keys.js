// What every page of the handler workspace does with keys: fetch and verify a case's sealed
// bundle, unlock a key file (keeping it non-extractable for the session where the browser can),
// re-wrap data keys for verified readers only, and send JSON with the session and form token.
import * as keystore from "./keystore.js";
import * as mc from "./meldpunt-crypto.js";
import { recipientsOf } from "./page.js";

/** Fetch the case bundle with the staff session cookie. */
export async function fetchBundle(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
  if (response.status === 503) throw Object.assign(new Error("key list"), { key: "keylist" });
  if (!response.ok) throw Object.assign(new Error("bundle unavailable"), { key: "network" });
  return response.json();
}

/** Return the institution key of the bundle if it is the one pinned in the page. */
async function institutionKey(bundle, expectedFingerprint) {
  const institution = mc.b64u.decode(bundle.institution.ed25519);
  if (!expectedFingerprint || (await mc.fingerprint(institution)) !== expectedFingerprint.toLowerCase()) {
    throw Object.assign(new mc.KeyListError("institution key mismatch"), { key: "institution" });
  }
  return institution;
}

/** Verify one signed key list for its destination, or throw with the "keylist" message. */
export async function verified(document, institution, slug) {
  try {
    return await mc.verifyKeyList(document, institution, slug);
  } catch {
    throw Object.assign(new mc.KeyListError(`key list of ${slug}`), { key: "keylist" });
  }
}

/**
 * Verify the case's key lists. Returns handlers (kid -> key of the case's destinations: the only
 * signers of replies) and readers (those plus the recovery key: everyone a new message is sealed to).
 */
export async function caseKeys(bundle, expectedFingerprint) {
  const institution = await institutionKey(bundle, expectedFingerprint);
  const handlers = new Map();
  for (const slug of bundle.case.destinations) {
    for (const key of (await verified(bundle.key_lists[slug], institution, slug)).keys) handlers.set(key.kid, key);
  }
  const lists = [{ keys: [...handlers.values()] }];
  for (const slug of bundle.recovery || []) lists.push(await verified(bundle.key_lists[slug], institution, slug));
  return { institution, handlers, readers: recipientsOf(lists) };
}

/** Return an envelope's id: the hex of the header's 16 random bytes, as the server names it. */
export const envelopeId = (envelope) => mc.hex(mc.b64u.decode(envelope.hdr).slice(9, 25));

/** Send JSON to a casework endpoint with the session cookie and the form token; return {status, data}. */
export async function post(url, csrf, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
  });
  return { status: response.status, data: await response.json().catch(() => ({})) };
}

/**
 * Wrap the data key of every envelope for readers [{kid, x25519, xwing?}] with the own key {x25519Private,
 * xwingSeed?}; throws "not_all" if an envelope is not sealed to the own key. A v2 envelope gets an X-Wing wrap
 * for a reader with an X-Wing key. With again, readers that have a wrap get one more beside it (an earlier one
 * may not open).
 */
export async function rewrap(bundle, key, readers, { skipUnreadable, again = false }) {
  const wraps = {};
  for (const envelope of bundle.envelopes) {
    if (!envelope.recipients.some((r) => r.kid === key.kid)) {
      if (skipUnreadable) continue;
      throw Object.assign(new mc.NotARecipient("an envelope is not sealed to this key"), { key: "not_all" });
    }
    // The whole key, not only its X25519 half: opening an X-Wing wrap (envelope v2) needs its X-Wing seed.
    const added = await mc.wrapsFor(envelope, key, readers, { again });
    if (added.length) wraps[envelopeId(envelope)] = added;
  }
  return wraps;
}

/**
 * Unlock a key file with its passphrase and keep it for the staff session where possible.
 * Returns {key, kept}; throws mc.WrongPassphrase or another mc.CryptoError.
 */
export async function unlock(file, passphrase, workspace) {
  const key = await mc.unlockKeyFile(await file.text(), passphrase);
  const held = await mc.holdKey(key);
  const kept = held !== null && (await keystore.remember(workspace, held).catch(() => false));
  return { key: held ?? key, kept };
}
