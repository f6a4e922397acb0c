import "./main.css";
import { createInertiaApp, router } from "@inertiajs/react";
import { I18nProvider } from "@lingui/react";
import type { ComponentType } from "react";
import Layout from "./layouts/Layout";
import { xsrfCookieName } from "./lib/http";
import { activate, i18n, localeOf } from "./lib/i18n";
import type { SharedProps } from "./types";

const pages = import.meta.glob<{ default: ComponentType }>("./pages/**/*.tsx");

// The first page's object, which Django writes into the document for Inertia.
function initialPage(): { props: Partial<SharedProps> } | null {
  const script = document.querySelector('script[data-page="app"][type="application/json"]');
  return script?.textContent ? JSON.parse(script.textContent) : null;
}

async function boot(): Promise<void> {
  // The page's language is active before its first render, so no English flashes by.
  const page = initialPage();
  try {
    await activate(localeOf(page?.props ?? {}));
  } catch (error) {
    // A catalog that cannot be fetched leaves the page shown rather than blank.
    console.error("Could not load the page's language", error);
  }
  // A page in another language (the switcher's reload, a link followed) brings its catalog.
  router.on("navigate", (event) => {
    void activate(localeOf(event.detail.page.props));
  });

  await createInertiaApp({
    title: (title) => (title ? `${title} · Maticko` : "Maticko"),
    resolve: async (name) => {
      const component = pages[`./pages/${name}.tsx`];
      if (!component) {
        throw new Error(`Unknown page component: ${name}`);
      }
      return (await component()).default;
    },
    layout: () => Layout,
    withApp: (app) => <I18nProvider i18n={i18n}>{app}</I18nProvider>,
    progress: { color: "#4f46e5" },
    // Inertia's injected <style> elements carry the Content-Security-Policy nonce.
    nonce: document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content,
    // Inertia copies the CSRF cookie into the X-XSRF-TOKEN header of its requests.
    http: { xsrfCookieName: xsrfCookieName() },
  });
}

void boot();
