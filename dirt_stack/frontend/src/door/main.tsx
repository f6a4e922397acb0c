import "../main.css";
import { I18nProvider } from "@lingui/react";
import { createRoot } from "react-dom/client";
import { activate, i18n, localeOf } from "../lib/i18n";
import { DoorApp } from "./DoorApp";

async function boot(): Promise<void> {
  // The page's language as the server chose it (the cookie, else the browser's).
  try {
    await activate(localeOf({ locale: document.documentElement.lang }));
  } catch (error) {
    console.error("Could not load the page's language", error);
  }
  if ("serviceWorker" in navigator) {
    // The scanner opens without a network once the service worker holds it.
    navigator.serviceWorker.register("/door/sw.js", { scope: "/door/" }).catch((error) => {
      console.error("The scanner cannot work offline: its service worker failed", error);
    });
  }
  const root = document.getElementById("door");
  if (root) {
    createRoot(root).render(
      <I18nProvider i18n={i18n}>
        <DoorApp />
      </I18nProvider>,
    );
  }
}

void boot();
