import { Trans } from "@lingui/react/macro";
import { formatMoney } from "../lib/format";
import type { OrderLine } from "../types";

export default function OrderSummary({
  lines,
  currency,
  total,
  discount,
}: {
  lines: OrderLine[];
  currency: string;
  total: string;
  discount?: string;
}) {
  return (
    <table className="w-full text-sm">
      <tbody className="divide-y divide-slate-100">
        {lines.map((line) => (
          <tr key={line.ticket_type}>
            <td className="py-2">
              {line.quantity} × {line.ticket_type}
              {Number(line.discount) > 0 ? (
                <span className="block text-xs text-emerald-700">
                  <Trans>−{formatMoney(line.discount, currency)} voucher</Trans>
                </span>
              ) : null}
            </td>
            <td className="py-2 text-right tabular-nums">{formatMoney(line.total, currency)}</td>
          </tr>
        ))}
        {discount && Number(discount) > 0 ? (
          <tr>
            <td className="py-2 text-emerald-700">
              <Trans>Discount</Trans>
            </td>
            <td className="py-2 text-right tabular-nums text-emerald-700">
              −{formatMoney(discount, currency)}
            </td>
          </tr>
        ) : null}
        <tr className="font-semibold">
          <td className="py-2">
            <Trans>Total</Trans>
          </td>
          <td className="py-2 text-right tabular-nums" data-testid="order-total">
            {formatMoney(total, currency)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}
