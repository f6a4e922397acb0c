import { Head, Link, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import EventFormFields, {
  type EventFormData,
  eventFormPost,
} from "../../components/EventFormFields";
import { FormError, PrimaryButton } from "../../components/fields";
import { DEFAULT_LANGUAGE } from "../../lib/languages";
import type { PageProps } from "../../types";

export default function EventCreate({
  organizer,
  timezones,
  currencies,
  configured_payment_methods,
}: PageProps<"Manage/EventCreate">) {
  const { t } = useLingui();
  const form = useForm<EventFormData>({
    title: "",
    slug: "",
    description: "",
    venue_name: "",
    venue_address: "",
    is_online: false,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
    starts_at: "",
    ends_at: "",
    currency: "EUR",
    capacity: "",
    cover_image: null,
    hold_minutes: "10",
    collect_attendee_names: false,
    // Only what is set up: a ticked Stripe without its keys would look like card payments.
    payment_methods: ["stripe", "offline"].filter((m) => configured_payment_methods.includes(m)),
    offline_payment_days: "3",
    buyer_share_percent: "10",
    max_tickets_per_buyer: "",
    confirm_bank_transfers: true,
    max_tickets_per_email: "",
    name_change_deadline_hours: "",
    locale: DEFAULT_LANGUAGE,
    locales: [DEFAULT_LANGUAGE],
    translations: {},
  });
  form.transform(eventFormPost);

  function submit(event: FormEvent) {
    event.preventDefault();
    form.post(`/manage/${organizer.slug}/events/new/`);
  }

  return (
    <>
      <Head title={t`New event`} />
      <p className="mb-2 text-sm text-slate-500">
        <Link href={`/manage/${organizer.slug}/`} className="hover:text-indigo-700">
          ← {organizer.name}
        </Link>
      </p>
      <section className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="mb-6 text-2xl font-bold tracking-tight">
          <Trans>New event</Trans>
        </h1>
        <form onSubmit={submit} className="space-y-6" noValidate>
          <FormError message={(form.errors as { form?: string }).form} />
          <EventFormFields
            data={form.data}
            setData={form.setData}
            errors={form.errors}
            timezones={timezones}
            currencies={currencies}
            configuredPaymentMethods={configured_payment_methods}
          />
          <PrimaryButton disabled={form.processing}>
            <Trans>Create the event</Trans>
          </PrimaryButton>
        </form>
      </section>
    </>
  );
}
