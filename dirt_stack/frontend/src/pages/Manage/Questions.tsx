import { Head, Link, router, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { useState } from "react";
import { errorsUnder, hasErrorsUnder, submitTo } from "../../components/dates/errors";
import {
  CheckboxField,
  CheckboxGroup,
  FormError,
  PrimaryButton,
  SelectField,
  TextArea,
  TextField,
} from "../../components/fields";
import LanguageTabs from "../../components/LanguageTabs";
import {
  fallbackHint,
  languageName,
  type Translations,
  withTranslation,
} from "../../lib/languages";
import type { ManagedQuestion, Option, PageProps } from "../../types";

type Props = PageProps<"Manage/Questions">;
type Kind = ManagedQuestion["kind"];

const CHOICE_KINDS: Kind[] = ["single_choice", "multiple_choice"];

// A question's translations as the form edits them: options one per line, as the event language's.
function editableTranslations(question?: ManagedQuestion): Translations {
  const edited: Translations = {};
  for (const [code, fields] of Object.entries(question?.translations ?? {})) {
    edited[code] = Object.fromEntries(
      Object.entries(fields).map(([field, value]) => [
        field,
        Array.isArray(value) ? value.join("\n") : value,
      ]),
    );
  }
  return edited;
}

function QuestionEditor({
  action,
  errorKey,
  question,
  kinds,
  scopes,
  ticketTypes,
  locale,
  locales,
  submitLabel,
  onSaved,
}: {
  locale: string;
  locales: string[];
  action: string;
  errorKey: string;
  question?: ManagedQuestion;
  kinds: Option[];
  scopes: Option[];
  ticketTypes: { id: number; name: string }[];
  submitLabel: string;
  onSaved: () => void;
}) {
  const { t } = useLingui();
  const pageErrors = usePage().props.errors;
  const errors = errorsUnder(pageErrors, errorKey);
  const form = useForm({
    label: question?.label ?? "",
    help_text: question?.help_text ?? "",
    kind: (question?.kind ?? "text") as string,
    required: question?.required ?? false,
    scope: (question?.scope ?? "order") as string,
    ticket_types: question?.ticket_type_ids ?? [],
    choices: (question?.choices ?? []).join("\n"),
    translations: editableTranslations(question),
  });
  const choiceKind = CHOICE_KINDS.includes(form.data.kind as Kind);
  const [language, setLanguage] = useState(locale);
  const translated = language !== locale && locales.includes(language);
  const translation = form.data.translations[language] ?? {};
  const name = languageName(language);
  const fallback = fallbackHint(language, locale);
  const translate = (field: string, value: string) =>
    form.setData("translations", withTranslation(form.data.translations, language, field, value));
  return (
    <form
      onSubmit={submitTo(form, action, errorKey, onSaved)}
      className="space-y-3"
      noValidate
      data-testid="question-form"
    >
      <FormError message={errors.form} />
      <LanguageTabs
        locales={locales}
        defaultLocale={locale}
        active={language}
        onChange={setLanguage}
        error={errors.translations}
      />
      {translated ? (
        <div className="space-y-3" data-testid={`question-translation-${language}`}>
          <TextField
            label={t`Question (${name})`}
            hint={fallback}
            value={translation.label ?? ""}
            onChange={(e) => translate("label", e.target.value)}
          />
          <TextField
            label={t`Help text (${name})`}
            value={translation.help_text ?? ""}
            onChange={(e) => translate("help_text", e.target.value)}
          />
          {choiceKind ? (
            <TextArea
              label={t`Options (${name}), one per line in the same order`}
              rows={4}
              hint={t`One for each option; answers are kept as the event language's options.`}
              value={translation.choices ?? ""}
              onChange={(e) => translate("choices", e.target.value)}
            />
          ) : null}
        </div>
      ) : null}
      <div className={translated ? "hidden" : "space-y-3"}>
        <TextField
          label={t`Question`}
          value={form.data.label}
          onChange={(e) => form.setData("label", e.target.value)}
          error={errors.label}
          required
        />
        <TextField
          label={t`Help text (optional)`}
          value={form.data.help_text}
          onChange={(e) => form.setData("help_text", e.target.value)}
          error={errors.help_text}
        />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField
          label={t`Kind of answer`}
          value={form.data.kind}
          onChange={(e) => form.setData("kind", e.target.value)}
          options={kinds}
          error={errors.kind}
        />
        <SelectField
          label={t`Asked`}
          value={form.data.scope}
          onChange={(e) => form.setData("scope", e.target.value)}
          options={scopes}
          error={errors.scope}
        />
      </div>
      {choiceKind ? (
        <TextArea
          label={t`Options, one per line`}
          rows={4}
          value={form.data.choices}
          onChange={(e) => form.setData("choices", e.target.value)}
          error={errors.choices}
        />
      ) : null}
      <CheckboxField
        label={t`Required`}
        checked={form.data.required}
        onChange={(e) => form.setData("required", e.target.checked)}
        error={errors.required}
      />
      {ticketTypes.length > 1 ? (
        <CheckboxGroup
          legend={t`Only for these ticket types`}
          hint={t`None ticked: asked for every ticket type.`}
          options={ticketTypes.map((t) => ({ value: t.id, label: t.name }))}
          chosen={form.data.ticket_types}
          onChange={(chosen) => form.setData("ticket_types", chosen)}
          error={errors.ticket_types}
        />
      ) : null}
      <PrimaryButton disabled={form.processing}>{submitLabel}</PrimaryButton>
    </form>
  );
}

export default function Questions({
  organizer,
  event,
  questions,
  ticket_types,
  kinds,
  scopes,
  answer_settings,
  event_locale: locale,
  event_locales: locales,
}: Props) {
  const { t } = useLingui();
  const errors = usePage().props.errors;
  const title = event.title;
  const eventBase = `/manage/${organizer.slug}/events/${event.slug}`;
  const base = `${eventBase}/questions`;
  const [adding, setAdding] = useState(hasErrorsUnder(errors, "add"));
  const [editing, setEditing] = useState<number | null>(
    questions.find((q) => hasErrorsUnder(errors, `${q.id}.edit`))?.id ?? null,
  );
  const settingsErrors = errorsUnder(errors, "settings");
  const settings = useForm({
    buyers_edit: answer_settings.buyers_edit,
    buyer_edit_hours_before: String(answer_settings.buyer_edit_hours_before),
  });
  const typeNames = new Map(ticket_types.map((t) => [t.id, t.name]));
  const scopeLabels = new Map(scopes.map((s) => [s.value, s.label]));

  function move(question: ManagedQuestion, direction: "up" | "down") {
    router.post(`${base}/${question.id}/move/`, { direction }, { preserveScroll: true });
  }

  function remove(question: ManagedQuestion) {
    const label = question.label;
    if (
      window.confirm(
        t`Delete the question “${label}”? Orders placed already keep their answers to it.`,
      )
    ) {
      router.post(`${base}/${question.id}/delete/`, {}, { preserveScroll: true });
    }
  }

  return (
    <>
      <Head title={t`Questions · ${title}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${eventBase}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">
            <Trans>Checkout questions</Trans>
          </h1>
          <p className="text-sm text-slate-600">
            <Trans>
              Asked at checkout in this order; the answers appear on each order, in the CSV exports
              and in the API.
            </Trans>
          </p>
        </div>
        <button
          type="button"
          onClick={() => setAdding(!adding)}
          aria-expanded={adding}
          className="rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
        >
          <Trans>Add a question</Trans>
        </button>
      </div>
      {adding ? (
        <section className="mb-6 rounded-xl border border-slate-200 bg-white p-5">
          <h2 className="mb-3 font-semibold">
            <Trans>New question</Trans>
          </h2>
          <QuestionEditor
            action={`${base}/new/`}
            errorKey="add"
            kinds={kinds}
            scopes={scopes}
            ticketTypes={ticket_types}
            locale={locale}
            locales={locales}
            submitLabel={t`Add question`}
            onSaved={() => setAdding(false)}
          />
        </section>
      ) : null}
      {questions.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 p-6 text-sm text-slate-600">
          <Trans>No questions yet: the checkout asks only for the buyer's name and email.</Trans>
        </p>
      ) : (
        <ol className="space-y-3" data-testid="questions">
          {questions.map((question, index) => (
            <li
              key={question.id}
              className="rounded-xl border border-slate-200 bg-white p-4"
              data-testid="question"
            >
              <div className="flex flex-wrap items-start justify-between gap-3">
                <div>
                  <p className="font-medium">
                    {question.label}
                    {question.required ? (
                      <span className="ml-2 text-xs text-red-700">
                        <Trans>required</Trans>
                      </span>
                    ) : null}
                  </p>
                  <p className="text-sm text-slate-600" data-server-text>
                    {question.kind_label} · {scopeLabels.get(question.scope)}
                    {question.ticket_type_ids.length > 0
                      ? ` · ${question.ticket_type_ids.map((id) => typeNames.get(id)).join(", ")}`
                      : ""}
                    {question.choices.length > 0 ? ` · ${question.choices.join(" / ")}` : ""}
                  </p>
                </div>
                <div className="flex flex-wrap gap-2 text-sm">
                  <button
                    type="button"
                    onClick={() => move(question, "up")}
                    disabled={index === 0}
                    aria-label={t`Move “${question.label}” up`}
                    className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    onClick={() => move(question, "down")}
                    disabled={index === questions.length - 1}
                    aria-label={t`Move “${question.label}” down`}
                    className="rounded border border-slate-300 px-2 py-1 disabled:opacity-40"
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    onClick={() => setEditing(editing === question.id ? null : question.id)}
                    aria-expanded={editing === question.id}
                    className="rounded border border-slate-300 px-2 py-1"
                  >
                    <Trans>Edit</Trans>
                  </button>
                  <button
                    type="button"
                    onClick={() => remove(question)}
                    className="rounded border border-red-300 px-2 py-1 text-red-700"
                  >
                    <Trans>Delete</Trans>
                  </button>
                </div>
              </div>
              <FormError message={errors[`${question.id}.move.form`]} />
              {editing === question.id ? (
                <div className="mt-3 border-t border-slate-100 pt-3">
                  <QuestionEditor
                    action={`${base}/${question.id}/`}
                    errorKey={`${question.id}.edit`}
                    question={question}
                    kinds={kinds}
                    scopes={scopes}
                    ticketTypes={ticket_types}
                    locale={locale}
                    locales={locales}
                    submitLabel={t`Save question`}
                    onSaved={() => setEditing(null)}
                  />
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="mb-3 font-semibold">
          <Trans>Changing answers</Trans>
        </h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            settings.post(`${base}/settings/`, { preserveScroll: true });
          }}
          className="space-y-3"
          noValidate
          data-testid="answer-settings"
        >
          <FormError message={settingsErrors.form} />
          <CheckboxField
            label={t`Buyers may change their answers on their order's page`}
            checked={settings.data.buyers_edit}
            onChange={(e) => settings.setData("buyers_edit", e.target.checked)}
            error={settingsErrors.buyers_edit}
          />
          <TextField
            label={t`Until this many hours before their date starts`}
            type="number"
            min={0}
            value={settings.data.buyer_edit_hours_before}
            onChange={(e) => settings.setData("buyer_edit_hours_before", e.target.value)}
            error={settingsErrors.buyer_edit_hours_before}
            hint={t`0: until the date starts. Organizers can change answers on the order's page at any time.`}
          />
          <PrimaryButton disabled={settings.processing}>
            <Trans>Save</Trans>
          </PrimaryButton>
        </form>
      </section>
    </>
  );
}
