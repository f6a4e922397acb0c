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
