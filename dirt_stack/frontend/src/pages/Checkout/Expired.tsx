import { Head, Link } from "@inertiajs/react";
import Card from "../../components/Card";
import type { PageProps } from "../../types";

export default function Expired({ event, event_url }: PageProps<"Checkout/Expired">) {
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
