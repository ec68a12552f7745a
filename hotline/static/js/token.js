// The token page: the token in its unbreakable groups of five, a copy button, an "I have saved my code" check that
// keeps a warning on leaving until it is ticked, and "follow my report" with the token this page still holds.
// The token is never stored: not in localStorage, sessionStorage, a cookie or an address.

/** Write the token into an element, each group of five in a span of its own that never breaks. */
export function writeToken(element, token) {
  const parts = [];
  token.split("-").forEach((group, index) => {
    if (index) parts.push(document.createTextNode("-"), document.createElement("wbr"));
    const span = document.createElement("span");
    span.className = "meldpunt-token__group";
    span.textContent = group;
    parts.push(span);
  });
  element.replaceChildren(...parts);
  element.setAttribute("data-case-token", token);
}

/** Select the token's text, for a student who copies it by hand. */
function selectToken(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/** Put the token on the clipboard; true when the browser says it did. */
async function copyToken(token, element) {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(token);
      return true;
    } catch (failure) {
      // refused (no permission, or not a secure context): fall back on the selection
    }
  }
  selectToken(element);
  try {
    return document.execCommand("copy");
  } catch (failure) {
    return false;
  }
}

/** Show a text in an element that is hidden while empty. */
function say(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

/**
 * Take over a token page. With `follow(token)`, "Mijn melding volgen" opens the status in this page (the browser
 * path, where the server never sees the token); without it, the form posts the token as it does without JavaScript.
 */
export function enhanceTokenPage(root, { follow } = {}) {
  const shown = root.querySelector("[data-case-token]");
  const token = shown.dataset.caseToken;
  const status = root.querySelector("[data-copy-status]");
  root.querySelector("[data-copy]").hidden = false;
  root.querySelector("[data-copy-token]").addEventListener("click", async () => {
    status.textContent = "";
    status.textContent = (await copyToken(token, shown)) ? root.dataset.copied : root.dataset.copyFailed;
  });

  const saved = root.querySelector("[data-token-saved]");
  const warning = root.querySelector("[data-unsaved-warning]");
  const guard = (event) => {
    event.preventDefault();
    event.returnValue = ""; // older browsers show their warning only for a returnValue
  };
  const update = () => {
    if (saved.checked) {
      window.removeEventListener("beforeunload", guard);
      say(warning, "");
    } else {
      window.addEventListener("beforeunload", guard);
    }
  };
  saved.addEventListener("change", update);
  update();

  const form = root.querySelector("[data-follow-form]");
  form.addEventListener("submit", (event) => {
    if (!saved.checked) {
      event.preventDefault();
      say(warning, root.dataset.unsaved);
      saved.focus();
      return;
    }
    window.removeEventListener("beforeunload", guard);
    if (follow) {
      event.preventDefault();
      follow(token);
    }
  });
}

/**
 * Open the status of a token in this page, with nothing to retype: the status page is fetched (without the token),
 * put in place of this one, and its own script opens the case with the token from memory, on this device.
 * Resolves false (the page left as it was) when that cannot be done.
 */
export async function openStatus(token, url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
  if (!response.ok) return false;
  const fetched = new DOMParser().parseFromString(await response.text(), "text/html");
  const main = fetched.querySelector("main");
  if (!main || !main.querySelector("#status-form")) return false;
  for (const script of main.querySelectorAll("script")) script.remove(); // imported below, never run from markup
  for (const link of fetched.head.querySelectorAll('link[rel="stylesheet"]')) {
    const href = link.getAttribute("href");
    if (![...document.head.querySelectorAll('link[rel="stylesheet"]')].some((own) => own.getAttribute("href") === href)) {
      document.head.append(document.importNode(link, true));
    }
  }
  document.title = fetched.title;
  document.querySelector("main").replaceChildren(...[...main.childNodes].map((node) => document.importNode(node, true)));
  history.replaceState(null, "", url); // the address of the status page: no token in it
  window.scrollTo(0, 0);
  const form = document.getElementById("status-form");
  form.token.value = token;
  const { ready } = await import("./status.js");
  if (await ready) form.requestSubmit(); // the browser path took the form over: the token stays here
  return true;
}

const page = document.querySelector("[data-token-page]");
if (page && page.querySelector("[data-case-token]")?.dataset.caseToken) enhanceTokenPage(page);
