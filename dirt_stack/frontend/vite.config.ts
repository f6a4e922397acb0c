import { lingui } from "@lingui/vite-plugin";
import babel, { defineRolldownBabelPreset } from "@rolldown/plugin-babel";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build through django-vite: the manifest maps each source
// entry to its hashed file under STATIC_URL.
export default defineConfig({
  base: "/static/",
  plugins: [
    // Lingui's macros (<Trans>, t, plural) become message lookups at build time. Vite 8's
    // React plugin no longer runs Babel, so its Babel pass is a plugin of its own, limited to
    // the files that import a macro, and placed before the React plugin.
    babel({
      presets: [
        defineRolldownBabelPreset({
          preset: () => ({ plugins: ["@lingui/babel-plugin-lingui-macro"] }),
          rolldown: { filter: { code: /@lingui\/(core|react)\/macro/ } },
        }),
      ],
    }),
    react(),
    // Compiles each src/locales/<code>/messages.po when it is imported: one chunk per language.
    lingui(),
    tailwindcss(),
  ],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    rollupOptions: { input: ["src/main.tsx", "src/door/main.tsx"] },
  },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.VITE_DEV_SERVER_PORT ?? 5173),
    strictPort: true,
    origin: `http://127.0.0.1:${process.env.VITE_DEV_SERVER_PORT ?? 5173}`,
  },
});
