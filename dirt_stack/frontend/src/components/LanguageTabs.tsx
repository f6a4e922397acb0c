import { useLingui } from "@lingui/react/macro";
import { languageName } from "../lib/languages";

// Tabs choosing which of an event's languages a form's texts are edited in; the event's own
// language (``defaultLocale``) first; no tabs for an event in one language. ``error``: the
// server's refusal of the form's translations (it names the language and the field).
export default function LanguageTabs({
  locales,
  defaultLocale,
  active,
  onChange,
  error,
  label,
}: {
  locales: string[];
  defaultLocale: string;
  active: string;
  onChange: (code: string) => void;
  error?: string;
  label?: string;
}) {
  const { t } = useLingui();
  const ordered = [defaultLocale, ...locales.filter((code) => code !== defaultLocale)];
  return (
    <>
      {locales.length > 1 ? (
        <Tabs
          ordered={ordered}
          defaultLocale={defaultLocale}
          active={active}
          onChange={onChange}
          label={label ?? t`Language of the texts`}
        />
      ) : null}
      {error ? (
        <p role="alert" className="mt-1 text-sm text-red-700" data-server-text>
          {error}
        </p>
      ) : null}
    </>
  );
}

function Tabs({
  ordered,
  defaultLocale,
  active,
  onChange,
  label,
}: {
  ordered: string[];
  defaultLocale: string;
  active: string;
  onChange: (code: string) => void;
  label: string;
}) {
  const { t } = useLingui();
  return (
    <div
      role="tablist"
      aria-label={label}
      className="flex flex-wrap gap-1 border-b border-slate-200"
    >
      {ordered.map((code) => (
        <button
          key={code}
          type="button"
          role="tab"
          aria-selected={code === active}
          data-testid={`language-tab-${code}`}
          onClick={() => onChange(code)}
          className={`-mb-px rounded-t-lg border px-3 py-1.5 text-sm ${
            code === active
              ? "border-slate-200 border-b-white bg-white font-semibold text-indigo-700"
              : "border-transparent text-slate-600 hover:text-indigo-700"
          }`}
        >
          {languageName(code)}
          {code === defaultLocale ? ` ${t`(event language)`}` : ""}
        </button>
      ))}
    </div>
  );
}
