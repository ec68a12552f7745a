// Bundle js/vendor-entry.mjs into hotline/static/vendor/meldpunt-vendor.js, with licences and a README.
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
  { name: "@noble/ed25519", file: "noble-ed25519" },
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

// @hpke/common falls back to `await import("crypto")` on Node <= 18. Browsers (and Node 20) have
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
    "comment is kept in the bundle. The bundle loads nothing at run time: no `eval`, no network, no",
    "dynamic import (the build refuses to write it otherwise).",
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
