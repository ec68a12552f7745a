// The check's outcome: a print button, shown only when scripts run (without them the page says Ctrl+P).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
