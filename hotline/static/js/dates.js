// Dates as people write them, the same strings the server writes with Babel (hotline/dates.py):
// "11 december 2026" in Dutch, "11 December 2026" in English. tests/test_status_page.py checks both agree.

const LOCALES = { nl: "nl-NL", en: "en-GB" };

/** Write an ISO date (YYYY-MM-DD) out in a language ("nl" or "en"); an empty or unreadable date stays as it is. */
export function formatDay(isoDate, lang) {
  if (!isoDate || !/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate || "";
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  const format = new Intl.DateTimeFormat(LOCALES[lang] || LOCALES.nl, {
    day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
  });
  return format.format(date);
}

/** Return the page's language as "nl" or "en", from <html lang>. */
export function pageLanguage() {
  return (document.documentElement.lang || "nl").toLowerCase().startsWith("en") ? "en" : "nl";
}
