import { Head, Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import Card from "../../components/Card";
import type { PageProps } from "../../types";

export default function Expired({ event, event_url, completed }: PageProps<"Checkout/Expired">) {
  const { t } = useLingui();
  if (completed) {
    return (
      <>
        <Head title={t`Order complete`} />
        <Card title={t`This order is complete`} narrow>
          <p role="alert" className="text-slate-700">
            <Trans>
              These tickets were bought: the reservation became an order. Open it through the link
              in your confirmation email.
            </Trans>
          </p>
          <Link
            href={event_url}
            className="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
          >
            <Trans>Back to {event.title}</Trans>
          </Link>
        </Card>
      </>
    );
  }
  return (
    <>
      <Head title={t`Reservation expired`} />
      <Card title={t`Your reservation has expired`} narrow>
        <p role="alert" className="text-slate-700">
          <Trans>
            Tickets are kept for you for a limited time. That time has passed and the tickets were
            released for other buyers.
          </Trans>
        </p>
        <Link
          href={event_url}
          className="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
        >
          <Trans>Choose tickets for {event.title} again</Trans>
        </Link>
      </Card>
    </>
  );
}
