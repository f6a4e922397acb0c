import { Head, Link } from "@inertiajs/react";
import Card from "../../components/Card";
import type { PageProps } from "../../types";

export default function Expired({ event, event_url, completed }: PageProps<"Checkout/Expired">) {
  if (completed) {
    return (
      <>
        <Head title="Order complete" />
        <Card title="This order is complete" narrow>
          <p role="alert" className="text-slate-700">
            These tickets were bought: the reservation became an order. Open it through the link in
            your confirmation email.
          </p>
          <Link
            href={event_url}
            className="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
          >
            Back to {event.title}
          </Link>
        </Card>
      </>
    );
  }
  return (
    <>
      <Head title="Reservation expired" />
      <Card title="Your reservation has expired" narrow>
        <p role="alert" className="text-slate-700">
          Tickets are kept for you for a limited time. That time has passed and the tickets were
          released for other buyers.
        </p>
        <Link
          href={event_url}
          className="mt-4 inline-block rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700"
        >
          Choose tickets for {event.title} again
        </Link>
      </Card>
    </>
  );
}
