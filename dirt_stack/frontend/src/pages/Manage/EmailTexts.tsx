import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import { useConfirm } from "../../components/ConfirmDialog";
import { PreviewPane } from "../../components/EmailPreview";
import { FormError, PrimaryButton, TextArea, TextField } from "../../components/fields";
import LanguageTabs from "../../components/LanguageTabs";
import { formatEventDate } from "../../lib/format";
import { postJsonAnswer } from "../../lib/http";
import { languageName } from "../../lib/languages";
import type { EmailTextOut as EmailText, PageProps, EmailPreview as Preview } from "../../types";

type Kind = EmailText["kind"];

// The emails' names in the reader's language (the server's `label` is English).
const EMAIL_NAMES: Record<Kind, MessageDescriptor> = {
  confirmation: msg({ message: "Order confirmation", context: "email" }),
  payment_pending: msg({ message: "Payment pending", context: "email" }),
  refund: msg({ message: "Refund", context: "email" }),
  cancellation: msg({ message: "Cancellation", context: "email" }),
  waitlist_offer: msg({ message: "Waiting-list offer", context: "email" }),
  reminder: msg({ message: "Reminder", context: "email" }),
};

// Written in the page's text as they are: a placeholder, and the escaped braces.
const EXAMPLE_PLACEHOLDER = "{event}";
const OPENING_BRACES = "{{";
const CLOSING_BRACES = "}}";

// An event's buyer emails: choose one, edit its subject and Markdown body (placeholders in
// braces), preview it with a real order, save or go back to Maticko's own words; and the
// reminder's hours before each date.
export default function EmailTexts({
  organizer,
  event,
  texts,
  placeholders,
  reminder_hours,
  changes,
  event_locale: locale,
  event_locales: locales,
}: PageProps<"Manage/EmailTexts">) {
  const { t, i18n } = useLingui();
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const [kind, setKind] = useState(texts[0]?.kind ?? "confirmation");
  const [language, setLanguage] = useState(locale);
  const current = texts.find((text) => text.kind === kind) ?? texts[0];
  const emailName = (kind: Kind) => i18n._(EMAIL_NAMES[kind]);
  const title = event.title;

  return (
    <>
      <Head title={t`${title}: emails`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Emails</Trans>
      </h1>
      <p className="mb-6 max-w-3xl text-sm text-slate-600">
        <Trans>
          The words of the emails your buyers get for this event. Until you save a text, Maticko's
          own email is sent. The order summary, payment instructions and links stay below your
          words. Placeholders in braces, such as {EXAMPLE_PLACEHOLDER}, are filled in when the email
          is sent; write {OPENING_BRACES} or {CLOSING_BRACES} for a brace.
        </Trans>
      </p>
      <div className="mb-6 flex flex-wrap gap-2" role="tablist" aria-label={t`Emails`}>
        {texts.map((text) => {
          const name = emailName(text.kind);
          return (
            <button
              key={text.kind}
              type="button"
              role="tab"
              aria-selected={text.kind === kind}
              onClick={() => setKind(text.kind)}
              className={`rounded-lg border px-3 py-2 text-sm ${
                text.kind === kind
                  ? "border-indigo-600 bg-indigo-50 text-indigo-800"
                  : "border-slate-300 bg-white hover:bg-slate-50"
              }`}
            >
              {text.customized ? t`${name} (edited)` : name}
            </button>
          );
        })}
      </div>
      <div className="mb-4">
        <LanguageTabs
          locales={locales}
          defaultLocale={locale}
          active={language}
          onChange={setLanguage}
          label={t`Language of the email`}
        />
      </div>
      {current ? (
        <Editor
          key={`${current.kind}-${language}-${current.updated_at ?? "default"}`}
          base={base}
          text={current}
          locale={language}
          eventLocale={locale}
          placeholders={placeholders.filter((p) => current.placeholders.includes(p.name))}
        />
      ) : null}
      <Reminder base={base} hours={reminder_hours} />
      {changes.length > 0 ? (
        <section className="mt-8">
          <h2 className="mb-2 text-lg font-semibold">
            <Trans>Changes</Trans>
          </h2>
          <ul className="text-sm text-slate-700" data-testid="email-changes">
            {changes.map((change) => {
              const when = formatEventDate(change.created_at, event.timezone);
              const name = emailName(change.kind);
              const actor = change.actor;
              return (
                <li key={`${change.kind}-${change.created_at}-${change.action}`}>
                  {change.action === "reset"
                    ? t`${when}: ${name} reset to default by ${actor}`
                    : t`${when}: ${name} saved by ${actor}`}
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function Editor({
  base,
  text,
  locale,
  eventLocale,
  placeholders,
}: {
  base: string;
  text: EmailText;
  // The language edited, and the event's own (whose text the others fall back to).
  locale: string;
  eventLocale: string;
  placeholders: { name: string; description: string }[];
}) {
  const { t, i18n } = useLingui();
  const errors = usePage().props.errors;
  const own = locale === eventLocale ? null : text.translations[locale];
  const translation = locale !== eventLocale;
  const customized = translation ? Boolean(own) : text.customized;
  const form = useForm({
    subject: own?.subject ?? text.subject,
    body: own?.body ?? text.body,
    locale,
  });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewErrors, setPreviewErrors] = useState<Record<string, string>>({});
  const { confirm, dialog } = useConfirm();
  const url = `${base}/emails/${text.kind}/`;
  const name = i18n._(EMAIL_NAMES[text.kind]);
  const language = languageName(locale);
  const eventLanguage = languageName(eventLocale);
  const editor = text.updated_by;

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(url, { preserveScroll: true });
  }

  async function showPreview() {
    const answer = await postJsonAnswer<Preview>(`${url}preview/`, form.data);
    setPreviewErrors(answer.body.errors);
    setPreview(answer.ok ? answer.body : null);
  }

  async function reset() {
    if (
      await confirm({
        title: translation
          ? t`Remove the ${language} text of the email “${name}”?`
          : t`Use Maticko's own text for the email “${name}” again?`,
        body: translation
          ? t`Buyers reading ${language} get the ${eventLanguage} text.`
          : t`Your subject and text for this email are removed, in every language.`,
        confirmLabel: t`Reset`,
      })
    ) {
      router.post(`${url}reset/`, { locale }, { preserveScroll: true });
    }
  }

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form
        onSubmit={save}
        noValidate
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
        data-testid="email-text-form"
      >
        <h2 className="text-lg font-semibold">
          {translation ? t`${name} (${language})` : name}
          {customized ? (
            <span className="ml-2 text-sm font-normal text-slate-500">
              {editor ? t`edited by ${editor}` : t`edited`}
            </span>
          ) : (
            <span className="ml-2 text-sm font-normal text-slate-500">
              {translation
                ? t`not translated: buyers reading ${language} get the ${eventLanguage} text`
                : t`Maticko's own text`}
            </span>
          )}
        </h2>
        <FormError message={errors.form} />
        <TextField
          label={t`Subject`}
          name="subject"
          maxLength={200}
          value={form.data.subject}
          onChange={(e) => form.setData("subject", e.target.value)}
          error={errors.subject ?? previewErrors.subject}
        />
        <TextArea
          label={t`Text (Markdown)`}
          name="body"
          data-server-text
          rows={12}
          maxLength={10000}
          value={form.data.body}
          onChange={(e) => form.setData("body", e.target.value)}
          error={errors.body ?? previewErrors.body}
          hint={t`**bold**, *italic*, [a link](https://…), lists with - at the start of a line.`}
        />
        <div className="flex flex-wrap gap-3">
          <PrimaryButton disabled={form.processing}>
            <Trans>Save</Trans>
          </PrimaryButton>
          <button
            type="button"
            onClick={showPreview}
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Preview</Trans>
          </button>
          {customized ? (
            <button
              type="button"
              onClick={reset}
              className="rounded-lg border border-red-300 bg-white px-4 py-2 text-sm text-red-700 hover:bg-red-50"
            >
              <Trans>Reset to default</Trans>
            </button>
          ) : null}
        </div>
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-700">
            <Trans>Placeholders of this email</Trans>
          </summary>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1" data-testid="placeholders">
            {placeholders.map((p) => (
              <div key={p.name} className="contents">
                <dt className="font-mono" data-server-text>
                  {`{${p.name}}`}
                </dt>
                <dd className="text-slate-600" data-server-text>
                  {p.description}
                </dd>
              </div>
            ))}
          </dl>
        </details>
      </form>
      <PreviewPane preview={preview} />
      {dialog}
    </div>
  );
}

function Reminder({ base, hours }: { base: string; hours: number | null }) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const form = useForm({ hours_before: hours === null ? "" : String(hours) });

  function save(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/emails/reminder-hours/`, { preserveScroll: true });
  }

  return (
    <form
      onSubmit={save}
      noValidate
      className="mt-8 max-w-xl space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h2 className="text-lg font-semibold">
        <Trans>Reminder</Trans>
      </h2>
      <p className="text-sm text-slate-600">
        <Trans>
          A reminder goes once to every paid order of a date, this many hours before it starts (its
          words are the “Reminder” email above). Leave empty for no reminder.
        </Trans>
      </p>
      <TextField
        label={t`Hours before each date`}
        name="hours_before"
        type="number"
        min={1}
        max={720}
        value={form.data.hours_before}
        onChange={(e) => form.setData("hours_before", e.target.value)}
        error={errors.hours_before}
      />
      <PrimaryButton disabled={form.processing}>
        <Trans>Save reminder</Trans>
      </PrimaryButton>
    </form>
  );
}
