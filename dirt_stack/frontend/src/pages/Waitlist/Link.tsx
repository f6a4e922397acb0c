import { Head, Link as InertiaLink, useForm } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { FormEvent } from "react";
import Card from "../../components/Card";
import { PrimaryButton } from "../../components/fields";
import type { PageProps } from "../../types";

const TITLES: Record<string, MessageDescriptor> = {
  confirm: msg`Confirm your place on the waiting list`,
  unsubscribe: msg`Leave the waiting list`,
  offer: msg`This offer is no longer open`,
};

export default function WaitlistLink({
  kind,
  event,
  event_url,
  ticket_type,
  quantity,
  status,
  action_url,
}: PageProps<"Waitlist/Link">) {
  const { i18n } = useLingui();
  const form = useForm({});
  const title = i18n._(TITLES[kind] ?? msg`Waiting list`);

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
          <Trans>
            {quantity} × “{ticket_type}” for {event.title}.
          </Trans>
        </p>
        <p role="status" className="mt-2 font-medium" data-testid="waitlist-status">
          {kind === "offer" ? (
            <Trans>It was bought or its time ran out, and the tickets passed on.</Trans>
          ) : (
            <span data-server-text>{status}</span>
          )}
        </p>
        {action_url ? (
          <form onSubmit={submit} className="mt-4">
            <PrimaryButton disabled={form.processing}>
              {kind === "confirm" ? (
                <Trans>Confirm my place</Trans>
              ) : (
                <Trans>Leave the waiting list</Trans>
              )}
            </PrimaryButton>
          </form>
        ) : null}
        <InertiaLink href={event_url} className="mt-4 inline-block text-indigo-700 underline">
          <Trans>Back to {event.title}</Trans>
        </InertiaLink>
      </Card>
    </>
  );
}
