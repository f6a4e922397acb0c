import type { InertiaFormProps } from "@inertiajs/react";
import type { FormEvent } from "react";

// The dates page's server errors arrive keyed by form: "add.capacity", "rule.count",
// "bulk.dates", "12.edit.tt3-capacity", "12.move.starts_at", "12.delete".

export type PageErrors = Record<string, string>;

// The errors of one form, by field ("capacity", "tt3-capacity", "form").
export function errorsUnder(errors: PageErrors, key: string): Record<string, string> {
  const prefix = `${key}.`;
  const found: Record<string, string> = {};
  for (const [name, message] of Object.entries(errors)) {
    if (name.startsWith(prefix)) {
      found[name.slice(prefix.length)] = message;
    }
  }
  return found;
}

export function hasErrorsUnder(errors: PageErrors, key: string): boolean {
  return Object.keys(errors).some((name) => name.startsWith(`${key}.`));
}

// The submit handler of one of the page's forms: it posts `form` to `action` and calls
// `onSaved` once the page comes back without errors under `key`.
export function submitTo(
  form: Pick<InertiaFormProps<Record<string, unknown>>, "post">,
  action: string,
  key: string,
  onSaved: () => void,
): (e: FormEvent) => void {
  return (e) => {
    e.preventDefault();
    form.post(action, {
      preserveScroll: true,
      onSuccess: (page) => {
        if (!hasErrorsUnder(page.props.errors ?? {}, key)) {
          onSaved();
        }
      },
    });
  };
}
