import { usePage } from "@inertiajs/react";
import { Trans } from "@lingui/react/macro";
import { useId } from "react";
import { languagesOf, localeOf, switchLanguage } from "../lib/i18n";

// The page's language, chosen among the languages in their own names: a labelled <select>
// (keyboard: focus, arrows, Enter). A choice is remembered in the `maticko_locale` cookie
// and the page is rendered again in it (lib/i18n.ts).
export default function LanguageSwitcher({ className = "" }: { className?: string }) {
  const { props } = usePage();
  const id = useId();
  const current = localeOf(props);
  const languages = languagesOf(props);
  return (
    <div className={`flex items-center gap-2 ${className}`}>
      <label htmlFor={id} className="text-slate-600">
        <Trans>Language</Trans>
      </label>
      <select
        id={id}
        data-testid="language-switcher"
        // Each language in its own name, as the server lists them.
        data-server-text
        value={languages.some((language) => language.code === current) ? current : ""}
        onChange={(event) => void switchLanguage(event.target.value)}
        className="rounded-lg border border-slate-300 bg-white px-2 py-1 text-slate-700"
      >
        {current && !languages.some((language) => language.code === current) ? (
          <option value="" disabled />
        ) : null}
        {languages.map((language) => (
          <option key={language.code} value={language.code} lang={language.code}>
            {language.name}
          </option>
        ))}
      </select>
    </div>
  );
}
