// Writes a gzipped copy (`FILE.gz`, level 9) next to each compressible file of a
// production build, for the venue to serve to browsers that accept gzip.

import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = process.argv[2] ?? "dist";
const compressible = /\.(js|mjs|css|html|svg|json|txt)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name)) {
      const bytes = readFileSync(path);
      const gz = gzipSync(bytes, { level: 9 });
      // Small files gain nothing worth a second copy.
      if (gz.length < bytes.length * 0.9 && bytes.length > 512) writeFileSync(`${path}.gz`, gz);
    }
  }
}
walk(dist);
