import { useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { formatEventDate } from "../lib/format";
import type { AnswersEdit } from "../types";
import { FormError, PrimaryButton } from "./fields";
import QuestionField, { type AnswerValue, TicketQuestionFields } from "./QuestionField";

// Changing an order's answers to the checkout questions: the buyer on the order's page
// (until `closes_at`), the organizer on the back office's order page (`extra` names the
// action). Errors come back keyed as at checkout and are shown all at once.
export default function AnswersForm({
  edit,
  extra = {},
  timezone,
}: {
  edit: AnswersEdit;
  extra?: Record<string, string>;
  timezone: string;
}) {
  const errors = usePage().props.errors as Partial<Record<string, string>>;
  const { t } = useLingui();
  const hasErrors = Object.keys(errors).some((key) => key.startsWith("answers"));
  const [open, setOpen] = useState(hasErrors);
  const formRef = useRef<HTMLFormElement>(null);
  const form = useForm({
    ...extra,
    answers: edit.answers as Record<string, AnswerValue>,
    ticket_answers: edit.ticket_answers as Record<string, AnswerValue>[],
  });

  useEffect(() => {
    if (!hasErrors) return;
    formRef.current
      ?.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-error]')
      ?.focus();
  }, [hasErrors]);

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(edit.url, { preserveScroll: true, onSuccess: () => setOpen(false) });
  }

  if (!open) {
    return (
      <div className="mt-3">
        <button
          type="button"
          onClick={() => setOpen(true)}
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
        >
          <Trans>Change answers</Trans>
        </button>
        {edit.closes_at ? (
          <span className="ml-2 text-xs text-slate-500">
            <Trans>until {formatEventDate(edit.closes_at, timezone)}</Trans>
          </span>
        ) : null}
      </div>
    );
  }
  return (
    <form
      ref={formRef}
      onSubmit={submit}
      noValidate
      className="mt-3 space-y-3 rounded-lg border border-slate-200 p-4"
      data-testid="answers-form"
    >
      <FormError message={errors.answers ?? errors.form} />
      {edit.questions.map((question) => (
        <QuestionField
          key={question.id}
          question={question}
          countries={edit.countries}
          value={form.data.answers[String(question.id)]}
          error={errors[`answers.${question.id}`]}
          onChange={(value) =>
            form.setData("answers", { ...form.data.answers, [question.id]: value })
          }
        />
      ))}
      {edit.tickets.map((ticket, index) =>
        ticket.questions.length > 0 ? (
          <fieldset
            // biome-ignore lint/suspicious/noArrayIndexKey: one group per ticket, in order
            key={index}
            className="space-y-3"
          >
            <legend className="text-sm font-medium text-slate-700">
              {t`Ticket ${index + 1}: ${ticket.ticket_type}`}
            </legend>
            <TicketQuestionFields
              questions={ticket.questions}
              ticket={index}
              answers={form.data.ticket_answers}
              errors={errors}
              countries={edit.countries}
              onChange={(answers) => form.setData("ticket_answers", answers)}
            />
          </fieldset>
        ) : null,
      )}
      <div className="flex gap-2">
        <PrimaryButton disabled={form.processing}>
          <Trans>Save answers</Trans>
        </PrimaryButton>
        <button type="button" onClick={() => setOpen(false)} className="text-sm underline">
          <Trans>Cancel</Trans>
        </button>
      </div>
    </form>
  );
}
