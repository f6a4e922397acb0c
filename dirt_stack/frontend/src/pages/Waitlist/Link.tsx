import { Head, Link as InertiaLink, useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { PrimaryButton } from "../../components/fields";
import type { PageProps } from "../../types";

const TITLES = {
  confirm: "Confirm your place on the waiting list",
  unsubscribe: "Leave the waiting list",
  offer: "This offer is no longer open",
} as const;

export default function WaitlistLink({
  kind,
  event,
  event_url,
  ticket_type,
  quantity,
  status,
  action_url,
}: PageProps<"Waitlist/Link">) {
  const form = useForm({});
  const title = TITLES[kind as keyof typeof TITLES] ?? "Waiting list";

  function submit(e: FormEvent) {
    e.preventDefault();
    if (action_url) {
      form.post(action_url);
    }
  }

  return (
    <>
      <Head title={title} />
      <Card title={title} narrow>
        <p className="text-slate-700">
          {quantity} × “{ticket_type}” for {event.title}.
        </p>
        <p role="status" className="mt-2 font-medium" data-testid="waitlist-status">
          {kind === "offer"
            ? "It was bought or its time ran out, and the tickets passed on."
            : status}
        </p>
        {action_url ? (
          <form onSubmit={submit} className="mt-4">
            <PrimaryButton disabled={form.processing}>
              {kind === "confirm" ? "Confirm my place" : "Leave the waiting list"}
            </PrimaryButton>
          </form>
        ) : null}
        <InertiaLink href={event_url} className="mt-4 inline-block text-indigo-700 underline">
          Back to {event.title}
        </InertiaLink>
      </Card>
    </>
  );
}
