import { Head, Link, useForm } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import { FormError, TextArea } from "../../components/fields";
import { formatMoney } from "../../lib/format";
import type { PageProps } from "../../types";

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

  const { t } = useLingui();
  const { held, refunds_automatic, refunds_manual, pending, free, tickets } = impact;
  const { dates: dateCount, orders: orderCount, buyers: buyerCount } = impact;
  const title = event.title;
  const automatic = formatMoney(impact.amount_automatic, currency);
  const manual = formatMoney(impact.amount_manual, currency);
  const dates = plural(dateCount, { one: "# date", other: "# dates" });
  const orders = plural(orderCount, { one: "# order", other: "# orders" });
  const buyers = plural(buyerCount, { one: "# buyer", other: "# buyers" });
  const steps = [
    impact.held
      ? plural(held, {
          one: `Sales stop on ${dates}, and # ticket in buyers' carts goes back.`,
          other: `Sales stop on ${dates}, and # tickets in buyers' carts go back.`,
        })
      : t`Sales stop on ${dates}.`,
    impact.orders
      ? t`${orders} from ${buyers} are settled, and each buyer is emailed the reason and what happens to their money.`
      : t`No one has ordered: nobody needs to be refunded or emailed.`,
    ...(impact.refunds_automatic
      ? [
          plural(refunds_automatic, {
            one: `# paid order is refunded automatically to the buyer's card: ${automatic}.`,
            other: `# paid orders are refunded automatically to the buyers' cards: ${automatic}.`,
          }),
        ]
      : []),
    ...(impact.refunds_manual
      ? [
          plural(refunds_manual, {
            one: `# bank transfer (${manual}) must be paid back by hand: you will get the list.`,
            other: `# bank transfers (${manual}) must be paid back by hand: you will get the list.`,
          }),
        ]
      : []),
    ...(impact.pending
      ? [
          plural(pending, {
            one: "# unpaid order is cancelled; nothing was charged.",
            other: "# unpaid orders are cancelled; nothing was charged.",
          }),
        ]
      : []),
    ...(impact.free
      ? [
          plural(free, {
            one: "# free order: nothing to refund.",
            other: "# free orders: nothing to refund.",
          }),
        ]
      : []),
    ...(impact.tickets
      ? [
          plural(tickets, {
            one: "The # ticket becomes void: the door refuses it.",
            other: "All # tickets become void: the door refuses them.",
          }),
        ]
      : []),
  ];

  return (
    <>
      <Head title={t`Cancel ${title}`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`${base}/`} className="hover:text-indigo-700">
          ← {event.title}
        </Link>
      </p>
      <h1 className="mb-4 text-2xl font-bold tracking-tight">
        <Trans>Cancel “{title}”?</Trans>
      </h1>
      <form
        onSubmit={submit}
        noValidate
        className="space-y-4 rounded-xl border border-red-200 bg-red-50 p-6"
      >
        <FormError message={(form.errors as Record<string, string>).form} />
        <p className="text-sm font-semibold text-red-900">
          <Trans>This cannot be undone. It will:</Trans>
        </p>
        <ul className="list-disc space-y-1 pl-5 text-sm text-red-900" data-testid="cancel-impact">
          {steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ul>
        <TextArea
          label={t`Reason (told to every buyer)`}
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
            {impact.orders
              ? t`Cancel the event, refund and email every buyer`
              : t`Cancel the event`}
          </button>
          <Link
            href={`${base}/`}
            className="rounded-lg border border-slate-300 bg-white px-4 py-2 text-sm hover:bg-slate-50"
          >
            <Trans>Keep it</Trans>
          </Link>
        </div>
      </form>
    </>
  );
}
