// Keeps a handler's unlocked key across the pages of one staff session, in this browser only.
// What is kept are non-extractable WebCrypto keys (see holdKey in meldpunt-crypto.js): IndexedDB
// clones them without any script being able to read their bytes. The one exception is the X-Wing
// seed of a version 2 key file (for envelope v2's post-quantum wraps): WebCrypto has no X-Wing, so
// it is kept as raw bytes, which script of this origin can read while the record lasts. The record
// is tied to the staff session's workspace tag: another session (a new login, another account)
// finds nothing and the record is deleted; logout deletes it, and the server's logout answer clears
// site storage too.
const DATABASE = "meldpunt-workspace";
const STORE = "keys";
const RECORD = "handler";

/** Wrap an IndexedDB request in a promise. */
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Open the workspace database, creating its store the first time. */
function database() {
  const request = indexedDB.open(DATABASE, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(STORE);
  return done(request);
}

/** Run one operation on the store and close the database again. */
async function withStore(mode, operation) {
  const db = await database();
  try {
    return await done(operation(db.transaction(STORE, mode).objectStore(STORE)));
  } finally {
    db.close();
  }
}

/** Tell whether this browser can keep keys (not in every private mode). */
export const available = () => typeof indexedDB !== "undefined";

/** Keep a held key for this staff session. */
export async function remember(workspace, key) {
  if (!available() || !workspace) return false;
  await withStore("readwrite", (store) => store.put({ workspace, key }, RECORD));
  return true;
}

/** Return the key kept for this staff session, or null; a key of another session is deleted. */
export async function recall(workspace) {
  if (!available()) return null;
  const record = await withStore("readonly", (store) => store.get(RECORD));
  if (!record) return null;
  if (!workspace || record.workspace !== workspace) {
    await forget();
    return null;
  }
  return record.key;
}

/** Delete the kept key, if any. */
export async function forget() {
  if (!available()) return;
  await withStore("readwrite", (store) => store.delete(RECORD));
}
