import "./main.css";
import { createInertiaApp } from "@inertiajs/react";
import type { ComponentType } from "react";
import Layout from "./layouts/Layout";
import { xsrfCookieName } from "./lib/http";

const pages = import.meta.glob<{ default: ComponentType }>("./pages/**/*.tsx");

createInertiaApp({
  title: (title) => (title ? `${title} · Maticko` : "Maticko"),
  resolve: async (name) => {
    const page = pages[`./pages/${name}.tsx`];
    if (!page) {
      throw new Error(`Unknown page component: ${name}`);
    }
    return (await page()).default;
  },
  layout: () => Layout,
  progress: { color: "#4f46e5" },
  // Inertia's injected <style> elements carry the Content-Security-Policy nonce.
  nonce: document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content,
  // Inertia copies the CSRF cookie into the X-XSRF-TOKEN header of its requests.
  http: { xsrfCookieName: xsrfCookieName() },
});
