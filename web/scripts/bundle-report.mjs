// Bundle analysis of a production build (run `npm run build` first, or use
// `npm run bundle-report`, which does both): what the browser downloads for the
// first page, and what each page adds, in bytes and gzipped bytes.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2] ?? "dist";
const manifest = JSON.parse(readFileSync(join(dist, ".vite/manifest.json"), "utf8"));

const sizes = new Map();
function size(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(dist, file));
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
}

/** The files a chunk needs before it runs: itself, its CSS and its static imports. */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const imported of chunk.imports ?? []) closure(imported, seen);
  return seen;
}

function total(files) {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const s = size(file);
    raw += s.raw;
    gzip += s.gzip;
  }
  return { raw, gzip };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`.padStart(11);
const entryKey = "index.html";
const initial = closure(entryKey);
const rows = [["first load (shell, router, UI kit)", total(initial), initial.size]];
for (const key of manifest[entryKey].dynamicImports ?? []) {
  const files = [...closure(key)].filter((f) => !initial.has(f));
  const name = key.replace(/^src\/pages\//, "").replace(/\.tsx$/, "");
  rows.push([`+ ${name} page`, total(files), files.length]);
}
const all = total(new Set(Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])])));
rows.push(["everything", all, sizes.size]);

console.log(`${"".padEnd(38)}${"raw".padStart(11)}${"gzip".padStart(11)}  files`);
for (const [name, t, files] of rows) console.log(`${name.padEnd(38)}${kb(t.raw)}${kb(t.gzip)}  ${files}`);
