import { Head, router, useForm, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from "react";
import Countdown from "../../components/Countdown";
import DateDetails from "../../components/DateDetails";
import { FormError, PrimaryButton, TextField } from "../../components/fields";
import InvoiceAddressForm, { emptyInvoiceAddress } from "../../components/InvoiceAddressForm";
import OrderSummary from "../../components/OrderSummary";
import QuestionField, {
  type AnswerValue,
  TicketQuestionFields,
} from "../../components/QuestionField";
import TaxSummary from "../../components/TaxSummary";
import { useSitePath } from "../../lib/embed";
import type { PageProps } from "../../types";

type Props = PageProps<"Checkout/Show">;

export default function Checkout(props: Props) {
  const {
    token,
    event,
    lines,
    currency,
    total,
    ticket_count,
    voucher,
    seconds_left,
    payment_methods,
    buyer,
    questions,
    tickets,
    countries,
    extension,
  } = props;
  const { t } = useLingui();
  const [extending, setExtending] = useState(false);
  const pageErrors = usePage().props.errors;
  const sitePath = useSitePath();
  const [expired, setExpired] = useState(seconds_left <= 0);
  const onExpire = useCallback(() => setExpired(true), []);
  const form = useForm({
    name: buyer.name,
    email: buyer.email,
    attendee_names: Array.from({ length: ticket_count }, () => ""),
    payment_method: payment_methods[0]?.name ?? "free",
    card_number: "",
    answers: {} as Record<string, AnswerValue>,
    ticket_answers: tickets.map(() => ({}) as Record<string, AnswerValue>),
    invoice_address: emptyInvoiceAddress(props.invoice_address),
  });
  const ticketsAsked = tickets.some((ticket) => ticket.questions.length > 0);
  const errors = form.errors as Partial<Record<string, string>>;
  const free = Number(total) === 0;
  const formRef = useRef<HTMLFormElement>(null);
  const attendeesErrorId = useId();
  const paymentErrorId = useId();

  // The server reports every field at fault at once: move focus to the first one, whose
  // message its aria-describedby reads out (or to the form's own error, if that is all).
  useEffect(() => {
    if (Object.keys(form.errors).length === 0) return;
    formRef.current
      ?.querySelector<HTMLElement>('[aria-invalid="true"], [data-form-error]')
      ?.focus();
  }, [form.errors]);

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(sitePath(`/checkout/${token}/`));
  }

  return (
    <>
      <Head title={t`Checkout`} />
      <div className="mx-auto grid max-w-4xl gap-6 md:grid-cols-[1fr_20rem]">
        <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-2xl font-bold tracking-tight">
            <Trans>Checkout</Trans>
          </h1>
          <div className="mt-3">
            {expired ? (
              <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900">
                <Trans>
                  Your reservation has expired and the tickets were released.{" "}
                  <button
                    type="button"
                    onClick={() => router.visit(event.url)}
                    className="font-semibold underline"
                  >
                    Choose them again
                  </button>
                </Trans>
              </p>
            ) : (
              <Countdown
                // A new reservation time from the server (an extension) starts a new count.
                key={seconds_left}
                seconds={seconds_left}
                onExpire={onExpire}
                extension={
                  extension
                    ? {
                        minutes: extension.minutes,
                        offeredWithin: extension.offered_within,
                        extending,
                        // The details typed so far stay: the page keeps its state.
                        onExtend: () =>
                          router.post(
                            extension.url,
                            {},
                            {
                              preserveScroll: true,
                              onStart: () => setExtending(true),
                              onFinish: () => setExtending(false),
                            },
                          ),
                      }
                    : undefined
                }
              />
            )}
          </div>
          <form ref={formRef} onSubmit={submit} className="mt-6 space-y-4" noValidate>
            {/* The form's own errors, or a refused extension's (posted outside the form). */}
            <FormError message={errors.form ?? pageErrors.form} />
            <TextField
              label={t`Your name`}
              autoComplete="name"
              value={form.data.name}
              onChange={(e) => form.setData("name", e.target.value)}
              error={errors.name}
              required
            />
            <TextField
              label={t`Email`}
              type="email"
              autoComplete="email"
              hint={t`Your tickets and the link to your order are sent here.`}
              value={form.data.email}
              onChange={(e) => form.setData("email", e.target.value)}
              error={errors.email}
              required
            />
            {event.collect_attendee_names ? (
              <fieldset className="space-y-3">
                <legend className="text-sm font-medium text-slate-700">
                  <Trans>Attendees</Trans>
                </legend>
                {form.data.attendee_names.map((value, index) => (
                  <TextField
                    // biome-ignore lint/suspicious/noArrayIndexKey: one input per ticket, in order
                    key={index}
                    label={t`Name on ticket ${index + 1}`}
                    value={value}
                    aria-invalid={errors.attendee_names ? true : undefined}
                    aria-describedby={errors.attendee_names ? attendeesErrorId : undefined}
                    onChange={(e) => {
                      const next = [...form.data.attendee_names];
                      next[index] = e.target.value;
                      form.setData("attendee_names", next);
                    }}
                  />
                ))}
                {errors.attendee_names ? (
                  <p
                    id={attendeesErrorId}
                    role="alert"
                    className="text-sm text-red-700"
                    data-server-text
                  >
                    {errors.attendee_names}
                  </p>
                ) : null}
              </fieldset>
            ) : null}
            {questions.length > 0 ? (
              <fieldset className="space-y-3" data-testid="order-questions">
                <legend className="text-sm font-medium text-slate-700">
                  <Trans>Questions</Trans>
                </legend>
                {questions.map((question) => (
                  <QuestionField
                    key={question.id}
                    question={question}
                    countries={countries}
                    value={form.data.answers[String(question.id)]}
                    error={errors[`answers.${question.id}`]}
                    onChange={(value) =>
                      form.setData("answers", { ...form.data.answers, [question.id]: value })
                    }
                  />
                ))}
              </fieldset>
            ) : null}
            {ticketsAsked
              ? tickets.map((ticket, index) =>
                  ticket.questions.length > 0 ? (
                    <fieldset
                      // biome-ignore lint/suspicious/noArrayIndexKey: one group per ticket, in order
                      key={index}
                      className="space-y-3 rounded-lg border border-slate-200 p-3"
                      data-testid="ticket-questions"
                    >
                      <legend className="px-1 text-sm font-medium text-slate-700">
                        {t`Ticket ${index + 1}: ${ticket.ticket_type}`}
                        {form.data.attendee_names[index]
                          ? ` (${form.data.attendee_names[index]})`
                          : ""}
                      </legend>
                      <TicketQuestionFields
                        questions={ticket.questions}
                        ticket={index}
                        answers={form.data.ticket_answers}
                        errors={errors}
                        countries={countries}
                        onChange={(answers) => form.setData("ticket_answers", answers)}
                      />
                    </fieldset>
                  ) : null,
                )
              : null}
            <FormError message={errors.answers} />
            {props.invoice_address ? (
              <InvoiceAddressForm
                ask={props.invoice_address}
                value={form.data.invoice_address}
                onChange={(value) => form.setData("invoice_address", value)}
                errors={errors}
              />
            ) : null}
            {!free ? (
              <fieldset>
                <legend className="text-sm font-medium text-slate-700">
                  <Trans>Payment</Trans>
                </legend>
                <div className="mt-2 space-y-2">
                  {payment_methods.map((method) => (
                    <label key={method.name} className="flex items-center gap-2">
                      <input
                        type="radio"
                        name="payment_method"
                        value={method.name}
                        checked={form.data.payment_method === method.name}
                        aria-invalid={errors.payment_method ? true : undefined}
                        aria-describedby={errors.payment_method ? paymentErrorId : undefined}
                        onChange={() => form.setData("payment_method", method.name)}
                      />
                      <span data-server-text>{method.label}</span>
                    </label>
                  ))}
                </div>
                {errors.payment_method ? (
                  <p
                    id={paymentErrorId}
                    role="alert"
                    className="mt-1 text-sm text-red-700"
                    data-server-text
                  >
                    {errors.payment_method}
                  </p>
                ) : null}
              </fieldset>
            ) : null}
            {!free && form.data.payment_method === "demo" ? (
              <TextField
                label={t`Card number`}
                inputMode="numeric"
                autoComplete="off"
                hint={t`Demo payments: any number is accepted except 4000 0000 0000 0002, which is declined. No money moves.`}
                value={form.data.card_number}
                onChange={(e) => form.setData("card_number", e.target.value)}
                error={errors.card_number}
              />
            ) : null}
            <PrimaryButton disabled={form.processing || expired}>
              {form.processing ? (
                <Trans>Placing your order…</Trans>
              ) : free ? (
                <Trans>Get my tickets</Trans>
              ) : (
                <Trans>Place order</Trans>
              )}
            </PrimaryButton>
          </form>
        </section>
        <aside className="self-start rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 className="font-semibold">{event.title}</h2>
          <p className="mb-3">
            <DateDetails event={event} />
          </p>
          <OrderSummary lines={lines} currency={currency} total={total} />
          <TaxSummary taxes={props.taxes} currency={currency} />
          {voucher ? (
            <p className="mt-2 text-sm text-emerald-700">
              <Trans>Voucher {voucher} applied.</Trans>
            </p>
          ) : null}
          {!expired ? (
            <button
              type="button"
              onClick={() => router.post(sitePath(`/checkout/${token}/release/`))}
              className="mt-4 text-sm text-slate-600 underline hover:text-slate-900"
            >
              <Trans>Cancel and release the tickets</Trans>
            </button>
          ) : null}
        </aside>
      </div>
    </>
  );
}
