import "altcha/external";
import "altcha/altcha.css";
import type {} from "altcha/types/react";
import ShaWorker from "altcha/workers/sha?worker";
import { useEffect, useRef, useState } from "react";
import { currentLocale } from "../lib/i18n";

// The external build registers no solver and injects no inline CSS or blob workers, so the
// Content Security Policy stays 'self': Vite serves the SHA worker as a file of the build.
const altcha = (globalThis as unknown as { $altcha?: { algorithms: Map<string, () => Worker> } })
  .$altcha;
for (const name of ["SHA-256", "SHA-384", "SHA-512"]) {
  altcha?.algorithms.set(name, () => new ShaWorker());
}

// The widget's own words come with ALTCHA, one module per language (under ALTCHA's name
// for it), loaded when needed.
const WIDGET_LANGUAGES: Record<string, [string, () => Promise<unknown>]> = {
  de: ["de", () => import("altcha/i18n/de")],
  fr: ["fr-fr", () => import("altcha/i18n/fr-fr")],
  es: ["es-es", () => import("altcha/i18n/es-es")],
  cs: ["cs", () => import("altcha/i18n/cs")],
};

// The anti-bot proof of work (ALTCHA, served by Maticko): the browser solves the challenge
// from `challengeUrl` as soon as the form shows, and hands the payload to the form.
export default function ProofOfWork({
  challengeUrl,
  onSolved,
}: {
  challengeUrl: string;
  onSolved: (payload: string) => void;
}) {
  const widget = useRef<HTMLElement>(null);
  const solved = useRef(onSolved);
  solved.current = onSolved;
  const language = currentLocale();
  const [ready, setReady] = useState(!(language in WIDGET_LANGUAGES));

  useEffect(() => {
    void WIDGET_LANGUAGES[language]?.[1]().then(() => setReady(true));
  }, [language]);

  // The widget appears once its words are loaded; then it reports its state.
  useEffect(() => {
    const element = widget.current;
    if (!ready || !element) {
      return;
    }
    const changed = (event: Event) => {
      const { state, payload } = (event as CustomEvent<{ state: string; payload?: string }>).detail;
      solved.current(state === "verified" && payload ? payload : "");
    };
    element.addEventListener("statechange", changed);
    return () => element.removeEventListener("statechange", changed);
  }, [ready]);

  return (
    <div className="mt-3" data-testid="proof-of-work">
      {ready ? (
        <altcha-widget
          ref={widget}
          challenge={challengeUrl}
          auto="onload"
          name="altcha"
          language={WIDGET_LANGUAGES[language]?.[0] ?? "en"}
        />
      ) : null}
    </div>
  );
}
