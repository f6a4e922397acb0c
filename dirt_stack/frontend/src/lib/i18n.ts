// The language of the pages. The server resolves each request's language (the
// `maticko_locale` cookie, else Accept-Language, else the event's) and shares it as the
// `locale` prop; the messages of that language come from src/locales/<code>/messages.po,
// compiled by Lingui's Vite plugin into one chunk per language and loaded when needed.

import { router } from "@inertiajs/react";
import { i18n, type Messages } from "@lingui/core";
import type { SharedProps } from "../types";

export const LOCALE_COOKIE = "maticko_locale";
export const SOURCE_LOCALE = "en";
// Every message of the English catalog with its letters accented. Only the cookie selects it
// (the server treats the code as no choice): a page shown in it reveals unwrapped strings.
export const PSEUDO_LOCALE = "en-x-pseudo";

export type Language = { code: string; name: string };

// The languages in their own names, as core/locales.py lists them; the `locales` prop
// the server shares takes precedence.
export const LANGUAGES: Language[] = [
  { code: "en", name: "English" },
  { code: "de", name: "Deutsch" },
  { code: "fr", name: "Français" },
  { code: "es", name: "Español" },
  { code: "cs", name: "Čeština" },
];

type LocaleProps = Partial<SharedProps> & { locale?: string; locales?: Language[] };

const catalogs = import.meta.glob<{ messages: Messages }>("../locales/*/messages.po");

function catalogOf(locale: string) {
  return catalogs[`../locales/${locale}/messages.po`];
}

function cookieLocale(): string | undefined {
  const match = document.cookie.match(new RegExp(`(?:^|; )${LOCALE_COOKIE}=([^;]*)`));
  return match ? decodeURIComponent(match[1]) : undefined;
}

export function languagesOf(props: LocaleProps): Language[] {
  return props.locales?.length ? props.locales : LANGUAGES;
}

// The language a page is shown in: the pseudo-locale when the cookie asks for it, else the
// server's choice; before the server shares one, the cookie's language when it names one.
export function localeOf(props: LocaleProps): string {
  const chosen = cookieLocale();
  if (chosen === PSEUDO_LOCALE) {
    return PSEUDO_LOCALE;
  }
  if (props.locale && catalogOf(props.locale)) {
    return props.locale;
  }
  if (chosen && languagesOf(props).some((language) => language.code === chosen)) {
    return chosen;
  }
  return SOURCE_LOCALE;
}

// Loads a language's catalog (once) and makes it the active one; I18nProvider re-renders.
export async function activate(locale: string): Promise<void> {
  if (i18n.locale === locale) {
    return;
  }
  const load = catalogOf(locale) ?? catalogOf(SOURCE_LOCALE);
  const { messages } = await load();
  i18n.loadAndActivate({ locale, messages });
  // Screen readers and the browser's spelling and hyphenation follow the page's language.
  document.documentElement.lang = locale;
}

// The switcher: remember the choice for a year, load its catalog, then let the server render
// the same page again in it (its own strings, the event's texts).
export async function switchLanguage(code: string): Promise<void> {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from Firefox and Safari
  document.cookie = `${LOCALE_COOKIE}=${encodeURIComponent(code)}; path=/; max-age=31536000; SameSite=Lax`;
  await activate(code);
  router.reload();
}

// The active language.
export function currentLocale(): string {
  return i18n.locale || SOURCE_LOCALE;
}

// The active language as Intl's formatters take it: Maticko's English writes dates the
// British way ("Thu, 10 Dec 2026, 19:30"), and so does the pseudo-locale before its accents.
export function formattingLocale(): string {
  const locale = currentLocale();
  return locale === SOURCE_LOCALE || locale === PSEUDO_LOCALE ? "en-GB" : locale;
}

export { i18n };
