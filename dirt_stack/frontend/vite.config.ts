import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build through django-vite: the manifest maps each source
// entry to its hashed file under STATIC_URL.
export default defineConfig({
  base: "/static/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: "manifest.json",
    rollupOptions: { input: "src/main.tsx" },
  },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.VITE_DEV_SERVER_PORT ?? 5173),
    strictPort: true,
    origin: `http://127.0.0.1:${process.env.VITE_DEV_SERVER_PORT ?? 5173}`,
  },
});
