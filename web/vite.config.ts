import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The dashboard is served by `bourse serve` at `/`; during development `npm run dev`
// proxies the API to a venue on 127.0.0.1:8080.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    // Swagger UI's bundle (the docs page only) is about 1.6 MB before gzip.
    chunkSizeWarningLimit: 1700,
    rollupOptions: {
      // Two pages (paths relative to this folder): the dashboard, and the API reference
      // that the venue serves at /api/v1/docs.
      input: {
        index: "index.html",
        docs: "docs.html",
      },
      output: {
        manualChunks(id) {
          // Rollup's CommonJS helpers would otherwise join the "react" chunk, and the
          // docs page (Swagger UI is CommonJS) would download React for nothing.
          if (id.includes("commonjsHelpers")) return "commonjs-helpers";
          if (id.includes("node_modules/lightweight-charts")) return "charts";
          if (id.includes("node_modules/react") || id.includes("node_modules/scheduler")) return "react";
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
      "/healthz": "http://127.0.0.1:8080",
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
