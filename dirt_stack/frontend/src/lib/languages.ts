import { t } from "@lingui/core/macro";
import { LANGUAGES, SOURCE_LOCALE } from "./i18n";

// The languages Maticko speaks, each named in itself (lib/i18n's list, core.locales' on the
// server), for the organizer's language tabs.
export const LANGUAGE_NAMES: Record<string, string> = Object.fromEntries(
  LANGUAGES.map((language) => [language.code, language.name]),
);

export const LANGUAGE_CODES = LANGUAGES.map((language) => language.code);
export const DEFAULT_LANGUAGE = SOURCE_LOCALE;

export function languageName(code: string): string {
  return LANGUAGE_NAMES[code] ?? code;
}

// An organizer's texts in the event's other languages: {language: {field: text}}.
export type Translations = Record<string, Record<string, string>>;

// ``translations`` with ``field`` of ``code`` set to ``value`` (an empty text: left out).
export function withTranslation(
  translations: Translations,
  code: string,
  field: string,
  value: string,
): Translations {
  const fields = { ...(translations[code] ?? {}), [field]: value };
  if (!value) {
    delete fields[field];
  }
  const next = { ...translations, [code]: fields };
  if (Object.keys(fields).length === 0) {
    delete next[code];
  }
  return next;
}

// The hint under a translated field: what a buyer of that language reads when it is empty.
export function fallbackHint(code: string, eventLocale: string): string {
  const language = languageName(code);
  const eventLanguage = languageName(eventLocale);
  return t`Empty: buyers reading ${language} see the ${eventLanguage} text.`;
}
