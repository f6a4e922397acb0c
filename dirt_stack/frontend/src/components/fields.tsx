import { useLingui } from "@lingui/react/macro";
import {
  type ChangeEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from "react";

// Labelled form controls whose error message is announced and tied to the field.

const CONTROL =
  "mt-1 block w-full rounded-lg border bg-white px-3 py-2 shadow-sm focus:outline-2 focus:outline-indigo-600";

// role=alert: announced when it appears, also on a field that does not have the focus.
function FieldError({ id, error }: { id: string; error?: string }) {
  return error ? (
    <p id={id} role="alert" className="mt-1 text-sm text-red-700" data-server-text>
      {error}
    </p>
  ) : null;
}

function controlProps(id: string, error?: string) {
  return {
    id,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
    className: `${CONTROL} ${error ? "border-red-400" : "border-slate-300"}`,
  };
}

type Common = { label: string; error?: string; hint?: string; className?: string };

// The label, hint and error around one control; the control gets its id and aria props.
function Field({
  label,
  error,
  hint,
  className,
  control,
}: Common & { control: (props: ReturnType<typeof controlProps>) => ReactNode }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {control(controlProps(id, error))}
      {hint && !error ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

export function TextField({
  label,
  error,
  hint,
  className,
  ...input
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field
      label={label}
      error={error}
      hint={hint}
      className={className}
      control={(props) => <input {...props} {...input} />}
    />
  );
}

// A password being chosen, with the rules the server checks (settings.AUTH_PASSWORD_VALIDATORS).
export function NewPasswordField({
  label,
  ...input
}: Partial<Common> & InputHTMLAttributes<HTMLInputElement>) {
  const { t } = useLingui();
  return (
    <TextField
      label={label ?? t`New password`}
      type="password"
      autoComplete="new-password"
      hint={t`At least 12 characters, not a common password, not like your name or email.`}
      required
      {...input}
    />
  );
}

export function TextArea({
  label,
  error,
  hint,
  className,
  ...input
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Field
      label={label}
      error={error}
      hint={hint}
      className={className}
      control={(props) => <textarea {...props} {...input} />}
    />
  );
}

export function SelectField({
  label,
  error,
  hint,
  className,
  options,
  ...select
}: Common &
  SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  return (
    <Field
      label={label}
      error={error}
      hint={hint}
      className={className}
      control={(props) => (
        <select {...props} {...select}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

// A count of places (capacity): a whole number from 1.
export function CapacityField(
  props: Common & Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "min">,
) {
  return <TextField type="number" min={1} {...props} />;
}

export function CheckboxField({
  label,
  error,
  className,
  ...input
}: Common & Omit<InputHTMLAttributes<HTMLInputElement>, "type">) {
  const id = useId();
  return (
    <div className={className}>
      <div className="flex items-center gap-2">
        <input id={id} type="checkbox" className="size-4 rounded border-slate-300" {...input} />
        <label htmlFor={id} className="text-sm text-slate-700">
          {label}
        </label>
      </div>
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

// Checkboxes that choose any of `options`; `onChange` gets the new choice.
export function CheckboxGroup<T extends string | number>({
  legend,
  options,
  chosen,
  onChange,
  hint,
  error,
  className,
}: {
  legend: string;
  options: { value: T; label: string }[];
  chosen: T[];
  onChange: (chosen: T[]) => void;
  hint?: string;
  error?: string;
  className?: string;
}) {
  return (
    <fieldset className={className}>
      <legend className="text-sm font-medium text-slate-700">{legend}</legend>
      <div className="mt-1 flex flex-wrap gap-4">
        {options.map((option) => (
          <CheckboxField
            key={option.value}
            label={option.label}
            checked={chosen.includes(option.value)}
            onChange={(e) =>
              onChange(
                e.target.checked
                  ? [...chosen, option.value]
                  : chosen.filter((value) => value !== option.value),
              )
            }
          />
        ))}
      </div>
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
      {error ? (
        <p className="mt-1 text-sm text-red-700" data-server-text>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

// The keys of a form's data that hold text (what a text input or a select edits).
type TextKey<T> = { [K in keyof T]-?: string extends T[K] ? K : never }[keyof T] & string;

// What a text input or a select bound to one field of a form takes.
export type Bound = {
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => void;
  error?: string;
};

// `bind(name)`: the value, change handler and error of the form's field `name`, to spread
// on a TextField or a SelectField.
export function binder<T extends Record<string, unknown>>(
  form: { data: T; setData: (key: TextKey<T>, value: string) => void },
  errors: Partial<Record<string, string>>,
): (name: TextKey<T>) => Bound {
  return (name) => ({
    value: String(form.data[name] ?? ""),
    onChange: (e) => form.setData(name, e.target.value),
    error: errors[name],
  });
}

export function FormError({ message }: { message?: string }) {
  return message ? (
    <p
      role="alert"
      tabIndex={-1}
      data-form-error
      data-server-text
      className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800"
    >
      {message}
    </p>
  ) : null;
}

// A submit button; `className` adds to its look (e.g. `w-full`) instead of replacing it.
export function PrimaryButton({
  children,
  className,
  ...button
}: React.ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="submit"
      className={`rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700 disabled:opacity-60 ${className ?? ""}`}
      {...button}
    >
      {children}
    </button>
  );
}
