import { Head, Link } from "@inertiajs/react";
import type { PageProps } from "../types";

const TITLES: Record<number, string> = {
  403: "You don’t have access to this page",
  404: "Page not found",
  410: "No longer available",
};

export default function ErrorPage({ status, message, find_orders_url }: PageProps<"Error">) {
  const title = TITLES[status] ?? "Something went wrong";
  return (
    <>
      <Head title={title} />
      <section className="py-16 text-center">
        <p className="text-sm font-semibold text-indigo-700">{status}</p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
        {message ? (
          <p className="mt-3 text-slate-700" data-testid="error-message">
            {message}
          </p>
        ) : null}
        {find_orders_url ? (
          <p className="mt-4 text-slate-600">
            Lost the link to your order?{" "}
            <Link href={find_orders_url} className="text-indigo-700 underline">
              Find my tickets
            </Link>
          </p>
        ) : null}
        <p className="mt-4 text-slate-600">
          <Link href="/" className="text-indigo-700 underline">
            Back to the events
          </Link>
        </p>
      </section>
    </>
  );
}
