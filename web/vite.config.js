// Two pages: the app (index.html) and GraphiQL (graphiql.html, served at GET /graphql).
// Hashed file names under assets/ let the server cache them for a year.
import { resolve } from "node:path";
import { defineConfig } from "vite";
import { inlineBootScript } from "./src/boot.js";

// The first screen's requests leave from an inline script, before the app's code has loaded.
const firstRequests = {
  name: "imalink-first-requests",
  transformIndexHtml(html) {
    // Where index.html marks it: after the charset, before the stylesheet (which would hold it up).
    return html.replace("<!-- first requests -->", `<script>${inlineBootScript()}</script>`);
  },
};

export default defineConfig({
  plugins: [firstRequests],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      // React libraries inside GraphiQL mark modules "use client"; meaningless in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
      input: {
        app: resolve(import.meta.dirname, "index.html"),
        graphiql: resolve(import.meta.dirname, "graphiql.html"),
      },
    },
  },
  worker: { format: "es" },
  server: { proxy: { "/graphql": "http://127.0.0.1:8000", "/hotpreview": "http://127.0.0.1:8000" } },
});
