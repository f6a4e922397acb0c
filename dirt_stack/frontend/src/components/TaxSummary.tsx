import { Trans, useLingui } from "@lingui/react/macro";
import { formatMoney } from "../lib/format";
import { formattingLocale } from "../lib/i18n";
import type { OrderTaxes } from "../types";

// Net, tax per rate and the legal notes (reverse charge) under an order's summary. The
// notes are the server's legal texts, as the invoice prints them.

export default function TaxSummary({
  taxes,
  currency,
}: {
  taxes: OrderTaxes | null | undefined;
  currency: string;
}) {
  const { t } = useLingui();
  if (!taxes) return null;
  // One message per treatment: word order around the rate and the amount differs.
  const rateLabel = (treatment: string, rate: string, base: string): string => {
    const net = money(base, currency);
    if (treatment === "vat") {
      const percent = new Intl.NumberFormat(formattingLocale(), {
        maximumFractionDigits: 2,
      }).format(Number(rate));
      return t`VAT ${percent} % on ${net}`;
    }
    if (treatment === "reverse_charge") return t`Reverse charge on ${net}`;
    if (treatment === "exempt") return t`No VAT on ${net}`;
    return t`No tax on ${net}`;
  };
  return (
    <div
      className="mt-2 border-t border-slate-100 pt-2 text-xs text-slate-600"
      data-testid="tax-summary"
    >
      <table className="w-full">
        <tbody>
          <tr>
            <td className="py-0.5">
              <Trans>Net</Trans>
            </td>
            <td className="py-0.5 text-right tabular-nums">{money(taxes.net, currency)}</td>
          </tr>
          {taxes.rates.map((rate) => (
            <tr key={`${rate.treatment}-${rate.rate}`}>
              <td className="py-0.5">{rateLabel(rate.treatment, rate.rate, rate.net)}</td>
              <td className="py-0.5 text-right tabular-nums">{money(rate.tax, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {taxes.notes.map((note) => (
        <p key={note} className="mt-1" data-testid="tax-note" data-server-text>
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
