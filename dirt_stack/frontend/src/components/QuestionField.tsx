import { useLingui } from "@lingui/react/macro";
import { useId } from "react";
import type { CheckoutQuestion } from "../types";
import { SelectField, TextArea, TextField } from "./fields";

export type AnswerValue = string | boolean | string[];

type Props = {
  question: CheckoutQuestion;
  value: AnswerValue | undefined;
  onChange: (value: AnswerValue) => void;
  error?: string;
  countries: { code: string; name: string }[];
  // Tells tickets apart: "Dietary needs (ticket 2)" for a screen reader's list of fields.
  context?: string;
};

const ERROR = "mt-1 text-sm text-red-700";

// Below a checkbox or a group of options: the error when there is one, else the help text;
// their ids are what the controls' aria-describedby names.
function HintOrError({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  if (error) {
    return (
      <p id={`${id}-error`} role="alert" className={ERROR} data-server-text>
        {error}
      </p>
    );
  }
  return hint ? (
    <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
      {hint}
    </p>
  ) : null;
}

// One checkout question as a labelled control of its kind; its error is announced and
// tied to the control (aria-describedby), like the buyer's own fields.
export default function QuestionField({
  question,
  value,
  onChange,
  error,
  countries,
  context,
}: Props) {
  const id = useId();
  const { t } = useLingui();
  const label = question.required ? question.label : t`${question.label} (optional)`;
  const accessibleName = context ? `${label} (${context})` : undefined;
  const hint = question.help_text || undefined;
  const text = typeof value === "string" ? value : "";
  const common = {
    error,
    hint,
    required: question.required,
    "aria-label": accessibleName,
  };
  const errorId = `${id}-error`;
  const described = error ? errorId : hint ? `${id}-hint` : undefined;

  switch (question.kind) {
    case "long_text":
      return (
        <TextArea
          label={label}
          rows={3}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...common}
        />
      );
    case "number":
      return (
        <TextField
          label={label}
          inputMode="decimal"
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...common}
        />
      );
    case "date":
      return (
        <TextField
          label={label}
          type="date"
          min="1900-01-01"
          max="2100-12-31"
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...common}
        />
      );
    case "phone":
      return (
        <TextField
          label={label}
          type="tel"
          autoComplete="tel"
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...common}
          hint={hint ?? t`International format, e.g. +43 660 1234567.`}
        />
      );
    case "country":
      return (
        <SelectField
          label={label}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          options={[
            { value: "", label: t`Choose a country` },
            ...countries.map((c) => ({ value: c.code, label: c.name })),
          ]}
          {...common}
        />
      );
    case "checkbox":
      return (
        <div>
          <div className="flex items-start gap-2">
            <input
              id={id}
              type="checkbox"
              className="mt-0.5 size-4 rounded border-slate-300"
              checked={value === true}
              onChange={(e) => onChange(e.target.checked)}
              required={question.required}
              aria-invalid={error ? true : undefined}
              aria-describedby={described}
              aria-label={accessibleName}
            />
            <label htmlFor={id} className="text-sm text-slate-700">
              {label}
            </label>
          </div>
          <HintOrError id={id} hint={hint} error={error} />
        </div>
      );
    case "single_choice":
    case "multiple_choice": {
      const multiple = question.kind === "multiple_choice";
      const chosen = Array.isArray(value) ? value : [];
      return (
        <fieldset aria-describedby={described}>
          <legend className="text-sm font-medium text-slate-700">
            {context ? `${label} (${context})` : label}
          </legend>
          <div className="mt-1 space-y-1">
            {question.choices.map((choice, index) => (
              <label key={choice} className="flex items-center gap-2 text-sm">
                <input
                  type={multiple ? "checkbox" : "radio"}
                  name={`${id}-choice`}
                  value={choice}
                  checked={multiple ? chosen.includes(choice) : text === choice}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={described}
                  onChange={(e) =>
                    onChange(
                      multiple
                        ? e.target.checked
                          ? [...chosen, choice]
                          : chosen.filter((c) => c !== choice)
                        : choice,
                    )
                  }
                />
                {question.choice_labels[index] ?? choice}
              </label>
            ))}
          </div>
          <HintOrError id={id} hint={hint} error={error} />
        </fieldset>
      );
    }
    default:
      return (
        <TextField
          label={label}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          {...common}
        />
      );
  }
}

type Answers = Record<string, AnswerValue>;

// The questions asked of one ticket (``ticket`` counted from 0), each tied to its error
// (`answers.<question>.<ticket>`); the checkout and the order's "change answers" form.
export function TicketQuestionFields({
  questions,
  ticket,
  answers,
  errors,
  countries,
  onChange,
}: {
  questions: CheckoutQuestion[];
  ticket: number;
  answers: Answers[];
  errors: Record<string, string | undefined>;
  countries: { code: string; name: string }[];
  onChange: (answers: Answers[]) => void;
}) {
  const { t } = useLingui();
  const number = ticket + 1;
  return questions.map((question) => (
    <QuestionField
      key={question.id}
      question={question}
      countries={countries}
      context={t`ticket ${number}`}
      value={answers[ticket]?.[String(question.id)]}
      error={errors[`answers.${question.id}.${ticket}`]}
      onChange={(value) => {
        const next = [...answers];
        next[ticket] = { ...next[ticket], [question.id]: value };
        onChange(next);
      }}
    />
  ));
}
