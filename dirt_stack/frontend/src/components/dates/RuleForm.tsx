import { useForm } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg, plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { useEffect, useState } from "react";
import { formatEventDate, weekdayNames } from "../../lib/format";
import { postJsonAnswer } from "../../lib/http";
import type { DatesPreview } from "../../types";
import { binder, CheckboxGroup, FormError, PrimaryButton, SelectField, TextField } from "../fields";
import { submitTo } from "./errors";

// The rule's weekdays, Monday first, named in the page's language.
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const FREQUENCIES: { value: string; label: MessageDescriptor }[] = [
  { value: "weekly", label: msg`Every week` },
  { value: "daily", label: msg`Every day` },
  { value: "monthly", label: msg`Every month (same day of the month)` },
];

// The interval's label, in the rule's unit.
const INTERVALS: Record<string, MessageDescriptor> = {
  weekly: msg`Every how many weeks`,
  daily: msg`Every how many days`,
  monthly: msg`Every how many months`,
};

type Props = {
  previewUrl: string;
  action: string;
  timezone: string;
  // Errors of the last "add dates" post ("rule.<field>").
  errors: Record<string, string>;
  onDone: () => void;
};

// "Every Friday at 19:30 for 8 weeks": the dates are previewed as the rule is typed
// (the server computes them; nothing is saved) and added once confirmed.
export default function RuleForm({ previewUrl, action, timezone, errors, onDone }: Props) {
  const { t, i18n } = useLingui();
  const weekdays = weekdayNames().map(([short], i) => ({ value: WEEKDAYS[i], label: short }));
  const form = useForm({
    frequency: "weekly",
    weekdays: [] as string[],
    interval: "1",
    first_day: "",
    start_time: "19:30",
    duration_minutes: "180",
    doors_open_minutes: "",
    ends: "count",
    until: "",
    count: "8",
    exceptions: [] as string[],
  });
  const [exception, setException] = useState("");
  const [preview, setPreview] = useState<DatesPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  // The preview follows the rule: asked again a moment after each change.
  useEffect(() => {
    if (!form.data.first_day) {
      setPreview(null);
      return;
    }
    let current = true;
    const timer = window.setTimeout(() => {
      setPreviewing(true);
      postJsonAnswer<DatesPreview>(previewUrl, form.data)
        .then(({ body }) => {
          if (current) {
            setPreview(body);
            setFailure(null);
          }
        })
        .catch((error: Error) => {
          if (current) {
            setFailure(error.message);
          }
        })
        .finally(() => {
          if (current) {
            setPreviewing(false);
          }
        });
    }, 300);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [form.data, previewUrl]);

  const newDates = preview?.new ?? 0;
  const skipped = preview ? preview.dates.length - newDates : 0;
  const fieldErrors = { ...errors, ...(preview?.errors ?? {}) };
  const ready = preview !== null && !previewing && Object.keys(preview.errors).length === 0;
  const field = binder(form, fieldErrors);
  const submit = submitTo(form, action, "rule", onDone);

  function addException() {
    if (exception && !form.data.exceptions.includes(exception)) {
      form.setData("exceptions", [...form.data.exceptions, exception].sort());
    }
    setException("");
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate data-testid="rule-form">
      <FormError message={fieldErrors.form} />
      <div className="grid gap-3 sm:grid-cols-3">
        <SelectField
          label={t`Repeat`}
          options={FREQUENCIES.map((f) => ({ value: f.value, label: i18n._(f.label) }))}
          {...field("frequency")}
        />
        <TextField
          label={i18n._(INTERVALS[form.data.frequency] ?? INTERVALS.weekly)}
          type="number"
          min={1}
          max={52}
          {...field("interval")}
        />
        <TextField label={t`First day`} type="date" {...field("first_day")} required />
      </div>
      {form.data.frequency === "weekly" ? (
        <CheckboxGroup
          legend={t`On`}
          options={weekdays}
          chosen={form.data.weekdays}
          onChange={(weekdays) => form.setData("weekdays", weekdays)}
          hint={t`None ticked: the first day's weekday.`}
          error={fieldErrors.weekdays}
        />
      ) : null}
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField
          label={t`Starts at`}
          type="time"
          hint={t`In ${timezone}.`}
          {...field("start_time")}
        />
        <TextField
          label={t`Lasts (minutes)`}
          type="number"
          min={0}
          {...field("duration_minutes")}
        />
        <TextField
          label={t`Doors open (minutes before)`}
          type="number"
          min={0}
          hint={t`Optional.`}
          {...field("doors_open_minutes")}
        />
      </div>
      <div className="grid gap-3 sm:grid-cols-3">
        <SelectField
          label={t`Ends`}
          options={[
            { value: "count", label: t`After a number of dates` },
            { value: "until", label: t`On a day` },
          ]}
          {...field("ends")}
        />
        {form.data.ends === "count" ? (
          <TextField
            label={t`Number of dates`}
            type="number"
            min={1}
            max={366}
            {...field("count")}
          />
        ) : (
          <TextField label={t`Last day`} type="date" {...field("until")} />
        )}
      </div>
      <div>
        <div className="flex items-end gap-2">
          <TextField
            label={t`Skip a day`}
            type="date"
            value={exception}
            onChange={(e) => setException(e.target.value)}
            error={fieldErrors.exceptions}
          />
          <button
            type="button"
            onClick={addException}
            className="mb-0.5 rounded-lg border border-slate-300 px-3 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Skip it</Trans>
          </button>
        </div>
        {form.data.exceptions.length ? (
          <ul className="mt-2 flex flex-wrap gap-2 text-sm" aria-label={t`Days skipped`}>
            {form.data.exceptions.map((day) => (
              <li key={day} className="flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1">
                {day}
                <button
                  type="button"
                  aria-label={t`Do not skip ${day}`}
                  onClick={() =>
                    form.setData(
                      "exceptions",
                      form.data.exceptions.filter((d) => d !== day),
                    )
                  }
                  className="text-slate-500 hover:text-red-700"
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>

      <section
        aria-label={t`Preview`}
        className="rounded-lg border border-slate-200 bg-slate-50 p-3"
      >
        {failure ? <FormError message={t`The preview failed: ${failure}`} /> : null}
        {preview === null ? (
          <p className="text-sm text-slate-600">
            <Trans>Choose the first day to see the dates.</Trans>
          </p>
        ) : Object.keys(preview.errors).length ? (
          <p className="text-sm text-slate-600">
            <Trans>Correct the rule to see its dates.</Trans>
          </p>
        ) : (
          <>
            <p className="mb-2 text-sm font-medium" data-testid="preview-summary">
              {preview.dates.length > preview.new
                ? plural(newDates, {
                    one: `# new date (${skipped} already exist and are skipped)`,
                    other: `# new dates (${skipped} already exist and are skipped)`,
                  })
                : plural(newDates, { one: "# new date", other: "# new dates" })}
            </p>
            <ol className="max-h-64 space-y-0.5 overflow-y-auto text-sm tabular-nums">
              {preview.dates.map((d) => (
                <li
                  key={d.starts_at}
                  data-testid="preview-date"
                  className={d.exists ? "text-slate-400 line-through" : ""}
                >
                  {formatEventDate(d.starts_at, timezone)}
                  {d.exists ? ` ${t`(already a date)`}` : ""}
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <PrimaryButton disabled={!ready || preview.new === 0 || form.processing}>
        {ready ? plural(newDates, { one: "Add # date", other: "Add # dates" }) : t`Add the dates`}
      </PrimaryButton>
    </form>
  );
}
