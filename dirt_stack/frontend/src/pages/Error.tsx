import { Head, Link } from "@inertiajs/react";
import type { MessageDescriptor } from "@lingui/core";
import { msg } from "@lingui/core/macro";
import { Trans, useLingui } from "@lingui/react/macro";
import type { PageProps } from "../types";

const TITLES: Record<number, MessageDescriptor> = {
  403: msg`You don’t have access to this page`,
  404: msg`Page not found`,
  410: msg`No longer available`,
};

export default function ErrorPage({ status, message, find_orders_url }: PageProps<"Error">) {
  const { i18n } = useLingui();
  const title = i18n._(TITLES[status] ?? msg`Something went wrong`);
  return (
    <>
      <Head title={title} />
      <section className="py-16 text-center">
        <p className="text-sm font-semibold text-indigo-700">{status}</p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
        {message ? (
          <p className="mt-3 text-slate-700" data-testid="error-message" data-server-text>
            {message}
          </p>
        ) : null}
        {find_orders_url ? (
          <p className="mt-4 text-slate-600">
            <Trans>
              Lost the link to your order?{" "}
              <Link href={find_orders_url} className="text-indigo-700 underline">
                Find my tickets
              </Link>
            </Trans>
          </p>
        ) : null}
        <p className="mt-4 text-slate-600">
          <Link href="/" className="text-indigo-700 underline">
            <Trans>Back to the events</Trans>
          </Link>
        </p>
      </section>
    </>
  );
}
