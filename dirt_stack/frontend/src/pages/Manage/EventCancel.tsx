import { Head, Link, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import { FormError, TextArea } from "../../components/fields";
import { formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// Cancelling a whole event: exactly what will happen, a reason, then the confirmation.
export default function EventCancel({
  organizer,
  event,
  currency,
  impact,
}: PageProps<"Manage/EventCancel">) {
  const base = `/manage/${organizer.slug}/events/${event.slug}`;
  const form = useForm({ reason: "" });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(`${base}/cancel/`);
  }

  const steps = [
    `Sales stop on ${count(impact.dates, "date")}${impact.held ? `, and ${count(impact.held, "ticket")} in buyers' carts go back` : ""}.`,
    impact.orders
      ? `${count(impact.orders, "order")} from ${count(impact.buyers, "buyer")} are settled, and each buyer is emailed the reason and what happens to their money.`
      : "No one has ordered: nobody needs to be refunded or emailed.",
    ...(impact.refunds_automatic
      ? [
          `${count(impact.refunds_automatic, "paid order")} ${impact.refunds_automatic === 1 ? "is" : "are"} refunded automatically to the buyer's card: ${formatMoney(impact.amount_automatic, currency)}.`,
        ]
      : []),
    ...(impact.refunds_manual
      ? [
          `${count(impact.refunds_manual, "bank transfer")} (${formatMoney(impact.amount_manual, currency)}) must be paid back by hand: you will get the list.`,
        ]
      : []),
    ...(impact.pending
      ? [
          `${count(impact.pending, "unpaid order")} ${impact.pending === 1 ? "is" : "are"} cancelled; nothing was charged.`,
        ]
      : []),
    ...(impact.free ? [`${count(impact.free, "free order")}: nothing to refund.`] : []),
    ...(impact.tickets
      ? [`All ${count(impact.tickets, "ticket")} become void: the door refuses them.`]
      : []),
  ];

  return (
    <>
      <Head title={`Cancel ${event.title}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">Cancel “{event.title}”?</h1>
      <form
        onSubmit={submit}
        noValidate
        className="space-y-4 rounded-xl border border-red-200 bg-red-50 p-6"
      >
        <FormError message={(form.errors as Record<string, string>).form} />
        <p className="text-sm font-semibold text-red-900">This cannot be undone. It will:</p>
        <ul className="list-disc space-y-1 pl-5 text-sm text-red-900" data-testid="cancel-impact">
          {steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ul>
        <TextArea
          label="Reason (told to every buyer)"
          value={form.data.reason}
          maxLength={200}
          rows={3}
          onChange={(e) => form.setData("reason", e.target.value)}
          error={form.errors.reason}
        />
        <div className="flex flex-wrap gap-2">
          <button
            type="submit"
            disabled={form.processing}
            className="rounded-lg bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-60"
          >
            {impact.orders ? "Cancel the event, refund and email every buyer" : "Cancel the event"}
          </button>
          <Link
            href={`${base}/`}
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
          >
            Keep it
          </Link>
        </div>
      </form>
    </>
  );
}
