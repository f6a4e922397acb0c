import { useForm } from "@inertiajs/react";
import { useEffect, useState } from "react";
import { formatEventDate } from "../../lib/format";
import { postJsonAnswer } from "../../lib/http";
import type { DatesPreview } from "../../types";
import { binder, CheckboxGroup, FormError, PrimaryButton, SelectField, TextField } from "../fields";
import { submitTo } from "./errors";

const WEEKDAYS = [
  { value: "mon", label: "Mon" },
  { value: "tue", label: "Tue" },
  { value: "wed", label: "Wed" },
  { value: "thu", label: "Thu" },
  { value: "fri", label: "Fri" },
  { value: "sat", label: "Sat" },
  { value: "sun", label: "Sun" },
];

const FREQUENCIES = [
  { value: "weekly", label: "Every week" },
  { value: "daily", label: "Every day" },
  { value: "monthly", label: "Every month (same day of the month)" },
];

const UNITS: Record<string, string> = { weekly: "weeks", daily: "days", monthly: "months" };

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
        <SelectField label="Repeat" options={FREQUENCIES} {...field("frequency")} />
        <TextField
          label={`Every how many ${UNITS[form.data.frequency] ?? "weeks"}`}
          type="number"
          min={1}
          max={52}
          {...field("interval")}
        />
        <TextField label="First day" type="date" {...field("first_day")} required />
      </div>
      {form.data.frequency === "weekly" ? (
        <CheckboxGroup
          legend="On"
          options={WEEKDAYS}
          chosen={form.data.weekdays}
          onChange={(weekdays) => form.setData("weekdays", weekdays)}
          hint="None ticked: the first day's weekday."
          error={fieldErrors.weekdays}
        />
      ) : null}
      <div className="grid gap-3 sm:grid-cols-3">
        <TextField
          label="Starts at"
          type="time"
          hint={`In ${timezone}.`}
          {...field("start_time")}
        />
        <TextField label="Lasts (minutes)" type="number" min={0} {...field("duration_minutes")} />
        <TextField
          label="Doors open (minutes before)"
          type="number"
          min={0}
          hint="Optional."
          {...field("doors_open_minutes")}
        />
      </div>
      <div className="grid gap-3 sm:grid-cols-3">
        <SelectField
          label="Ends"
          options={[
            { value: "count", label: "After a number of dates" },
            { value: "until", label: "On a day" },
          ]}
          {...field("ends")}
        />
        {form.data.ends === "count" ? (
          <TextField label="Number of dates" type="number" min={1} max={366} {...field("count")} />
        ) : (
          <TextField label="Last day" type="date" {...field("until")} />
        )}
      </div>
      <div>
        <div className="flex items-end gap-2">
          <TextField
            label="Skip a day"
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
            Skip it
          </button>
        </div>
        {form.data.exceptions.length ? (
          <ul className="mt-2 flex flex-wrap gap-2 text-sm" aria-label="Days skipped">
            {form.data.exceptions.map((day) => (
              <li key={day} className="flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1">
                {day}
                <button
                  type="button"
                  aria-label={`Do not skip ${day}`}
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

      <section aria-label="Preview" className="rounded-lg border border-slate-200 bg-slate-50 p-3">
        {failure ? <FormError message={`The preview failed: ${failure}`} /> : null}
        {preview === null ? (
          <p className="text-sm text-slate-600">Choose the first day to see the dates.</p>
        ) : Object.keys(preview.errors).length ? (
          <p className="text-sm text-slate-600">Correct the rule to see its dates.</p>
        ) : (
          <>
            <p className="mb-2 text-sm font-medium" data-testid="preview-summary">
              {preview.new} new date{preview.new === 1 ? "" : "s"}
              {preview.dates.length > preview.new
                ? ` (${preview.dates.length - preview.new} already exist and are skipped)`
                : ""}
            </p>
            <ol className="max-h-64 space-y-0.5 overflow-y-auto text-sm tabular-nums">
              {preview.dates.map((d) => (
                <li
                  key={d.starts_at}
                  data-testid="preview-date"
                  className={d.exists ? "text-slate-400 line-through" : ""}
                >
                  {formatEventDate(d.starts_at, timezone)}
                  {d.exists ? " (already a date)" : ""}
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <PrimaryButton disabled={!ready || preview.new === 0 || form.processing}>
        {ready ? `Add ${preview.new} date${preview.new === 1 ? "" : "s"}` : "Add the dates"}
      </PrimaryButton>
    </form>
  );
}
