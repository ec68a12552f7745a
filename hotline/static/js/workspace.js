// The staff bar on every staff page: shows whether a key is unlocked for this session, locks it on
// request, and forgets it before logging out. A page without a staff session (the login page)
// forgets any key an earlier session left behind.
import * as keystore from "./keystore.js";

/** Show the name of the unlocked key, or nothing, in the staff bar. */
function show(bar, name) {
  const status = bar.querySelector("[data-key-status]");
  const lock = bar.querySelector("[data-lock]");
  if (!status || !lock) return;
  status.textContent = name ? `${status.dataset.prefix} ${name}` : "";
  status.hidden = !name;
  lock.hidden = !name;
}

/** Wire the staff bar of a logged-in page. */
async function start(bar) {
  const kept = await keystore.recall(bar.dataset.workspace).catch(() => null);
  show(bar, kept?.name);
  document.addEventListener("meldpunt:key-unlocked", (event) => show(bar, event.detail.name));
  bar.querySelector("[data-lock]")?.addEventListener("click", async () => {
    await keystore.forget().catch(() => undefined);
    window.location.reload();
  });
  const logout = bar.querySelector("[data-logout]");
  logout?.addEventListener("submit", async (event) => {
    event.preventDefault();
    await keystore.forget().catch(() => undefined);
    logout.submit();
  });
}

const bar = document.querySelector("[data-workspace]");
if (bar) start(bar);
else keystore.forget().catch(() => undefined);
