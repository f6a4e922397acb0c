import type { ManagedDate } from "../../types";

const STYLES: Record<ManagedDate["status"], string> = {
  on_sale: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  sold_out: "bg-amber-50 text-amber-800 ring-amber-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
};

const LABELS: Record<ManagedDate["status"], string> = {
  on_sale: "On sale",
  sold_out: "Sales stopped",
  cancelled: "Cancelled",
};

export default function DateStatusBadge({ date }: { date: ManagedDate }) {
  const over = date.has_ended && date.status !== "cancelled";
  return (
    <span
      data-testid="date-status"
      className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset ${
        over ? "bg-slate-100 text-slate-700 ring-slate-200" : STYLES[date.status]
      }`}
    >
      {over ? "Over" : LABELS[date.status]}
    </span>
  );
}
