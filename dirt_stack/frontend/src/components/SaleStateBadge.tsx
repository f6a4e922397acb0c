import { t } from "@lingui/core/macro";
import { formatEventDate } from "../lib/format";
import type { SaleState } from "../types";

// What a buyer can do now with a ticket type or a date: both carry these three.
export type Saleable = { state: SaleState; available: number; sales_start: string | null };

export const SALE_STATE_STYLES: Record<SaleState, string> = {
  on_sale: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  few_left: "bg-amber-50 text-amber-900 ring-amber-200",
  sold_out: "bg-slate-100 text-slate-700 ring-slate-200",
  not_yet_on_sale: "bg-sky-50 text-sky-900 ring-sky-200",
  sales_ended: "bg-slate-100 text-slate-700 ring-slate-200",
  cancelled: "bg-rose-50 text-rose-800 ring-rose-200",
};

export function saleStateLabel(item: Saleable, timeZone: string): string {
  switch (item.state) {
    case "on_sale":
      return t`On sale`;
    case "few_left":
      return t`Only ${item.available} left`;
    case "sold_out":
      return t`Sold out`;
    case "not_yet_on_sale":
      if (item.sales_start) {
        const start = formatEventDate(item.sales_start, timeZone);
        return t`On sale from ${start}`;
      }
      return t`Not yet on sale`;
    case "sales_ended":
      return t`Sales ended`;
    case "cancelled":
      return t`Cancelled`;
  }
}

export default function SaleStateBadge({ item, timeZone }: { item: Saleable; timeZone: string }) {
  return (
    <span
      data-testid="sale-state"
      className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${SALE_STATE_STYLES[item.state]}`}
    >
      {saleStateLabel(item, timeZone)}
    </span>
  );
}
