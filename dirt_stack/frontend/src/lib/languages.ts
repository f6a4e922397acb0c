// The languages Maticko speaks, each named in itself (the server's core.locales.LANGUAGES;
// tests/test_translated_content.py keeps the two equal).
export const LANGUAGE_NAMES: Record<string, string> = {
  en: "English",
  de: "Deutsch",
  fr: "Français",
  es: "Español",
  cs: "Čeština",
};

export const LANGUAGE_CODES = Object.keys(LANGUAGE_NAMES);
export const DEFAULT_LANGUAGE = "en";

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
  return `Empty: buyers reading ${languageName(code)} see the ${languageName(eventLocale)} text.`;
}
