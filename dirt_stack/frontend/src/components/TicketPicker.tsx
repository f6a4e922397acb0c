import { router, useForm, usePage } from "@inertiajs/react";
import { plural } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useState } from "react";
import { useSitePath } from "../lib/embed";
import { formatMoney } from "../lib/format";
import type { EventDetail, VoucherCheck } from "../types";
import { FormError } from "./fields";
import ProofOfWork from "./ProofOfWork";
import SaleStateBadge from "./SaleStateBadge";

// Whether the voucher box is offered: while the chosen date is on sale or before its sales
// start, also when no public ticket can be bought (sold out, not yet on sale, or only hidden
// types), since a code may unlock a hidden type. The server checks the code (?voucher=).
export function voucherBoxShown(event: EventDetail): boolean {
  const date = event.date;
  return (
    date !== null &&
    date.status === "on_sale" &&
    ["on_sale", "few_left", "sold_out", "not_yet_on_sale"].includes(date.state)
  );
}

// Step 1 of the checkout: choose quantities (and a voucher), then reserve them.
export default function TicketPicker({
  event,
  voucher,
  challengeUrl,
}: {
  event: EventDetail;
  voucher: VoucherCheck | null;
  challengeUrl: string | null;
}) {
  const errors = usePage().props.errors;
  const { t } = useLingui();
  const sitePath = useSitePath();
  const [voucherCode, setVoucherCode] = useState(voucher?.code ?? "");
  // Each proof of work buys once: a new widget solves a new challenge after every attempt.
  const [attempt, setAttempt] = useState(0);
  const form = useForm<{
    date: number | null;
    quantities: Record<string, number>;
    altcha: string;
  }>({
    date: event.date?.id ?? null,
    quantities: {},
    altcha: "",
  });
  // "Apply" keeps the chosen quantities (the page's state is preserved), so only the shown
  // ticket types count: removing a code hides the types it unlocked.
  const shown = new Set(event.ticket_types.map((type) => String(type.id)));
  const chosen = Object.fromEntries(
    Object.entries(form.data.quantities).filter(([id, n]) => shown.has(id) && n > 0),
  );
  const selected = Object.values(chosen).reduce((sum, n) => sum + n, 0);
  // The server's price with the applied voucher, per ticket type it discounts.
  const voucherPrices = new Map(
    (voucher?.valid ? (voucher.prices ?? []) : []).map((p) => [p.ticket_type, p.price]),
  );
  const buyable = event.ticket_types.some(
    (type) => type.state === "on_sale" || type.state === "few_left",
  );
  const waitingForProof = Boolean(challengeUrl) && !form.data.altcha;

  function reserve(e: FormEvent) {
    e.preventDefault();
    form.transform((data) => ({
      ...data,
      quantities: chosen,
      voucher: voucher?.valid ? voucher.code : "",
    }));
    form.post(sitePath(`/events/${event.slug}/hold/`), {
      preserveScroll: true,
      onFinish: () => {
        form.setData("altcha", "");
        setAttempt((n) => n + 1);
      },
    });
  }

  function applyVoucher(e: FormEvent) {
    e.preventDefault();
    // The same date's page, with the voucher.
    const query: Record<string, string> = {};
    if (event.date && event.date_count > 1) {
      query.date = String(event.date.id);
    }
    if (voucherCode) {
      query.voucher = voucherCode;
    }
    // The chosen quantities stay: the page keeps its state while the server checks the code
    // and sends the ticket types and prices it unlocks.
    router.get(sitePath(`/events/${event.slug}/`), query, {
      preserveScroll: true,
      preserveState: true,
    });
  }

  return (
    <div>
      {event.ticket_types.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">
          <Trans>Tickets are not available yet.</Trans>
        </p>
      ) : null}
      <form onSubmit={reserve} noValidate>
        <FormError message={errors.form ?? errors.quantities ?? errors.altcha} />
        <ul className="mt-2 divide-y divide-slate-100">
          {event.ticket_types.map((ticketType) => {
            const open = ticketType.state === "on_sale" || ticketType.state === "few_left";
            const most = Math.min(ticketType.max_per_order, ticketType.available);
            const choices = open
              ? Array.from({ length: most + 1 }, (_, n) => n).filter(
                  (n) => n === 0 || n >= ticketType.min_per_order,
                )
              : [0];
            return (
              <li key={ticketType.id} className="py-3" data-testid="ticket-type">
                <div className="flex items-baseline justify-between gap-3">
                  <span className="font-medium" data-testid="ticket-type-name">
                    {ticketType.name}
                  </span>
                  <TicketPrice
                    price={ticketType.price}
                    discounted={voucherPrices.get(ticketType.id)}
                    currency={ticketType.currency}
                  />
                </div>
                {ticketType.description ? (
                  <p className="mt-1 text-sm text-slate-600">{ticketType.description}</p>
                ) : null}
                <div className="mt-2 flex items-center justify-between gap-3">
                  <SaleStateBadge item={ticketType} timeZone={event.timezone} />
                  {open ? (
                    <label className="flex items-center gap-2 text-sm">
                      <span className="sr-only">
                        <Trans>Number of {ticketType.name} tickets</Trans>
                      </span>
                      <select
                        aria-label={t`Number of ${ticketType.name} tickets`}
                        value={form.data.quantities[ticketType.id] ?? 0}
                        onChange={(e) =>
                          form.setData("quantities", {
                            ...form.data.quantities,
                            [ticketType.id]: Number(e.target.value),
                          })
                        }
                        className="rounded-lg border border-slate-300 px-2 py-1"
                      >
                        {choices.map((n) => (
                          <option key={n} value={n}>
                            {n}
                          </option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
        {buyable && challengeUrl ? (
          <ProofOfWork
            key={attempt}
            challengeUrl={challengeUrl}
            onSolved={(payload) => form.setData("altcha", payload)}
          />
        ) : null}
        {buyable ? (
          <button
            type="submit"
            disabled={selected === 0 || form.processing || waitingForProof}
            className="mt-4 w-full rounded-lg bg-indigo-600 px-4 py-2.5 font-semibold text-white hover:bg-indigo-700 disabled:opacity-50"
          >
            {form.processing
              ? t`Reserving…`
              : selected
                ? plural(selected, { one: "Get # ticket", other: "Get # tickets" })
                : t`Choose your tickets`}
          </button>
        ) : null}
      </form>
      {buyable || voucherBoxShown(event) ? (
        <form onSubmit={applyVoucher} className="mt-4 border-t border-slate-100 pt-4">
          <label htmlFor="voucher-code" className="block text-sm font-medium text-slate-700">
            <Trans>Voucher code</Trans>
          </label>
          <div className="mt-1 flex gap-2">
            <input
              id="voucher-code"
              value={voucherCode}
              onChange={(e) => setVoucherCode(e.target.value)}
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-1.5"
            />
            <button
              type="submit"
              className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
            >
              <Trans>Apply</Trans>
            </button>
          </div>
          {voucher ? (
            <p
              role="status"
              className={`mt-1 text-sm ${voucher.valid ? "text-emerald-700" : "text-red-700"}`}
              data-server-text
            >
              {voucher.message}
            </p>
          ) : null}
          {errors.voucher ? (
            <p className="mt-1 text-sm text-red-700" data-server-text>
              {errors.voucher}
            </p>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}

// A ticket type's price; with a voucher that discounts it, the original struck through and
// the new price (both from the server).
function TicketPrice({
  price,
  discounted,
  currency,
}: {
  price: string;
  discounted: string | undefined;
  currency: string;
}) {
  if (discounted === undefined) {
    return (
      <span className="font-semibold" data-testid="ticket-type-price">
        {formatMoney(price, currency)}
      </span>
    );
  }
  return (
    <span className="flex items-baseline gap-2">
      <s className="text-sm text-slate-500" data-testid="ticket-type-original-price">
        <span className="sr-only">
          <Trans>Was</Trans>{" "}
        </span>
        {formatMoney(price, currency)}
      </s>
      <span className="font-semibold text-emerald-700" data-testid="ticket-type-price">
        <span className="sr-only">
          <Trans>Now</Trans>{" "}
        </span>
        {formatMoney(discounted, currency)}
      </span>
    </span>
  );
}
