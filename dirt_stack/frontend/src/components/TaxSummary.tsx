import { formatMoney } from "../lib/format";
import { formattingLocale } from "../lib/i18n";
import type { OrderTaxes } from "../types";

// Net, tax per rate and the legal notes (reverse charge) under an order's summary.
const TREATMENT_LABELS: Record<string, string> = {
  reverse_charge: "Reverse charge",
  exempt: "No VAT",
  none: "No tax",
};

export default function TaxSummary({
  taxes,
  currency,
}: {
  taxes: OrderTaxes | null | undefined;
  currency: string;
}) {
  if (!taxes) return null;
  return (
    <div
      className="mt-2 border-t border-slate-100 pt-2 text-xs text-slate-600"
      data-testid="tax-summary"
    >
      <table className="w-full">
        <tbody>
          <tr>
            <td className="py-0.5">Net</td>
            <td className="py-0.5 text-right tabular-nums">{money(taxes.net, currency)}</td>
          </tr>
          {taxes.rates.map((rate) => (
            <tr key={`${rate.treatment}-${rate.rate}`}>
              <td className="py-0.5">
                {rate.treatment === "vat"
                  ? `VAT ${Number(rate.rate)} % on ${money(rate.net, currency)}`
                  : `${TREATMENT_LABELS[rate.treatment]} on ${money(rate.net, currency)}`}
              </td>
              <td className="py-0.5 text-right tabular-nums">{money(rate.tax, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {taxes.notes.map((note) => (
        <p key={note} className="mt-1" data-testid="tax-note">
          {note}
        </p>
      ))}
    </div>
  );
}

// Zero is an amount here (no tax), not "Free".
function money(amount: string, currency: string): string {
  return Number(amount) === 0
    ? new Intl.NumberFormat(formattingLocale(), { style: "currency", currency }).format(0)
    : formatMoney(amount, currency);
}
