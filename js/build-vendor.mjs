// Bundle js/vendor-entry.mjs into hotline/static/vendor/meldpunt-vendor.js, and the NL Design System's CSS
// components into hotline/static/vendor/nlds/utrecht-components.css, with licences and a README.
// Deterministic: the same node_modules give the same bytes, so CI can rebuild and `git diff --exit-code`.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "hotline", "static", "vendor");
const outFile = join(outDir, "meldpunt-vendor.js");

// Every package whose code ends up in the bundle, with the file name of its licence copy.
const PACKAGES = [
  { name: "@hpke/core", file: "hpke-core" },
  { name: "@hpke/common", file: "hpke-common" },
  { name: "@hpke/dhkem-x25519", file: "hpke-dhkem-x25519" },
  { name: "@hpke/hybridkem-x-wing", file: "hpke-hybridkem-x-wing" },
  { name: "mlkem", file: "mlkem" },
  { name: "@noble/ed25519", file: "noble-ed25519" },
];
// The NL Design System components the pages use (the Utrecht community's CSS, themed by css/theme.css), in the
// order they are concatenated: the page and text first, then forms, then the rest. Each is pinned in package.json.
const CSS_PACKAGES = [
  "root-css", "document-css", "body-css", "surface-css", "page-header-css", "page-body-css", "page-footer-css",
  "skip-link-css", "heading-1-css", "heading-2-css", "heading-3-css", "heading-4-css", "paragraph-css", "link-css",
  "link-list-css", "unordered-list-css", "ordered-list-css", "data-list-css", "code-css", "separator-css",
  "table-of-contents-css", "alert-css", "status-badge-css", "button-css", "button-link-css", "button-group-css",
  "form-fieldset-css", "form-field-css", "form-label-css", "form-field-description-css",
  "form-field-error-message-css", "textbox-css", "textarea-css", "select-css", "radio-button-css", "checkbox-css",
  "table-css",
].map((name) => `@utrecht/${name}`);
// Nothing in the stylesheet may load from elsewhere: the CSP allows our own origin only.
const CSS_FORBIDDEN = [
  [/@import/, "@import"],
  [/url\(\s*["']?(?!data:)/, "url() of a file or another host"],
];
const FORBIDDEN = [
  [/\beval\s*\(/, "eval"],
  [/\bnew\s+Function\b/, "new Function"],
  [/\bFunction\s*\(/, "Function()"],
  [/\bfetch\s*\(/, "fetch"],
  [/\bimport\s*\(/, "dynamic import"],
  [/XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts/, "network API"],
];

/** Read a package's package.json from node_modules. */
function manifest(name) {
  return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8"));
}

// @hpke/common and mlkem fall back to `await import("crypto")` on Node <= 18. Browsers (and Node 20) have
// globalThis.crypto, so the bundle gets a stub instead of a module load at run time.
const cryptoStub = {
  name: "node-crypto-stub",
  setup(build) {
    build.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: "crypto", namespace: "stub" }));
    build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents: "export const webcrypto = globalThis.crypto;\n",
      loader: "js",
    }));
  },
};

const versions = PACKAGES.map(({ name }) => `${name} ${manifest(name).version}`).join(", ");
const banner = [
  "/*!",
  ` * meldpunt-vendor.js: ${versions};`,
  ` * bundled by esbuild ${esbuild.version} from js/vendor-entry.mjs with \`npm run vendor\`. Do not edit by hand.`,
  " * Licences: LICENSES/ beside this file.",
  " */",
].join("\n");

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["js/vendor-entry.mjs"],
  bundle: true,
  format: "esm",
  target: "es2020",
  platform: "browser",
  minify: false,
  legalComments: "inline",
  charset: "utf8",
  banner: { js: banner },
  plugins: [cryptoStub],
  write: false,
  logLevel: "warning",
});
const code = result.outputFiles[0].text;
for (const [pattern, what] of FORBIDDEN) {
  if (pattern.test(code)) {
    throw new Error(`the bundle contains ${what}: refusing to write it`);
  }
}

mkdirSync(join(outDir, "LICENSES"), { recursive: true });
writeFileSync(outFile, code);
for (const { name, file } of PACKAGES) {
  copyFileSync(join(root, "node_modules", name, "LICENSE"), join(outDir, "LICENSES", `${file}.LICENSE`));
}

// The CSS components: each package's compiled dist/index.css as published, under a banner naming it.
const cssParts = CSS_PACKAGES.map((name) => {
  const css = readFileSync(join(root, "node_modules", name, "dist", "index.css"), "utf8");
  return `/* ${name} ${manifest(name).version} (${manifest(name).license}) */\n${css.trim()}\n`;
});
const css = [
  "/*!",
  ` * utrecht-components.css: ${CSS_PACKAGES.length} NL Design System CSS components of the Utrecht community (EUPL-1.2),`,
  " * concatenated from their published dist/index.css by `npm run vendor`. Do not edit by hand.",
  " * Licence: ../LICENSES/utrecht-components.LICENSE.",
  " */",
  ...cssParts,
].join("\n");
for (const [pattern, what] of CSS_FORBIDDEN) {
  if (pattern.test(css)) {
    throw new Error(`the NL Design System CSS contains ${what}: refusing to write it`);
  }
}
const licences = new Set(CSS_PACKAGES.map((name) => readFileSync(join(root, "node_modules", name, "LICENSE.md"), "utf8")));
if (licences.size !== 1) {
  throw new Error("the NL Design System packages no longer share one licence text: list them one by one");
}
mkdirSync(join(outDir, "nlds"), { recursive: true });
writeFileSync(join(outDir, "nlds", "utrecht-components.css"), css);
copyFileSync(join(root, "node_modules", CSS_PACKAGES[0], "LICENSE.md"), join(outDir, "LICENSES", "utrecht-components.LICENSE"));
const cssRows = CSS_PACKAGES.map((name) => `| \`${name}\` | ${manifest(name).version} | ${manifest(name).license} |`);

const rows = PACKAGES.map(({ name, file }) => {
  const pkg = manifest(name);
  return `| \`${name}\` | ${pkg.version} | ${pkg.license} | [LICENSES/${file}.LICENSE](LICENSES/${file}.LICENSE) |`;
});
writeFileSync(
  join(outDir, "README.md"),
  [
    "# Vendored browser cryptography",
    "",
    "`meldpunt-vendor.js` bundles these npm packages (exact versions pinned in `package.json` and",
    "`package-lock.json`) for `hotline/static/js/meldpunt-crypto.js`. It is generated: do not edit it.",
    "",
    "| package | version | licence | licence text |",
    "|---|---|---|---|",
    ...rows,
    "",
    `Bundled unminified (ES2020 module) by esbuild ${esbuild.version}, so it can be read and audited.`,
    "The X25519 code in the `@hpke` packages is based on noble-curves (MIT, Paul Miller); its licence",
    "comment is kept in the bundle. `@hpke/hybridkem-x-wing` (X-Wing, for the post-quantum wraps of",
    "envelope v2) brings `mlkem` (ML-KEM-768 with SHA-3 and SHAKE in pure JavaScript), whose ML-KEM code is",
    "based on crystals-kyber-javascript (MIT License, Copyright (c) 2020 Anton Tutoveanu, the same permission",
    "notice as in LICENSES/mlkem.LICENSE) and whose SHA-3 is noble-hashes' (its licence comment is kept in the",
    "bundle). The bundle loads nothing at run time: no `eval`, no network, no dynamic import (the build refuses",
    "to write it otherwise).",
    "",
    "## NL Design System CSS components",
    "",
    "`nlds/utrecht-components.css` concatenates the published `dist/index.css` of these packages of the",
    "NL Design System's Utrecht component library (exact versions pinned in `package.json`), unchanged.",
    "`hotline/static/css/theme.css` gives them their design tokens, and `/institution.css` the institution's",
    "colours. All are under the EUPL-1.2, one licence text: [LICENSES/utrecht-components.LICENSE](LICENSES/utrecht-components.LICENSE).",
    "The build refuses a stylesheet that imports or loads anything (`@import`, a `url()` that is not `data:`).",
    "",
    "| package | version | licence |",
    "|---|---|---|",
    ...cssRows,
    "",
    "Rebuild (deterministic; CI checks that the committed files are what this gives):",
    "",
    "```sh",
    "npm ci && npm run vendor",
    "```",
    "",
  ].join("\n"),
);
console.log(`wrote ${outFile} (${code.length} bytes): ${versions}`);
console.log(`wrote nlds/utrecht-components.css (${css.length} bytes): ${CSS_PACKAGES.length} components`);
