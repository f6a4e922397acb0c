import { Link } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import type { Pagination } from "../types";

// Previous/next links that keep the current query string's other parameters.
export default function PaginationNav({ pagination }: { pagination: Pagination }) {
  const { t } = useLingui();
  if (pagination.pages <= 1) {
    return null;
  }
  const pageHref = (page: number) => {
    const params = new URLSearchParams(window.location.search);
    params.set("page", String(page));
    return `${window.location.pathname}?${params.toString()}`;
  };
  return (
    <nav aria-label={t`Pages`} className="mt-8 flex items-center justify-between text-sm">
      {pagination.has_previous ? (
        <Link
          href={pageHref(pagination.page - 1)}
          className="text-indigo-700 hover:underline"
          preserveScroll
        >
          <Trans>← Previous</Trans>
        </Link>
      ) : (
        <span />
      )}
      <span className="text-slate-600">
        <Trans>
          Page {pagination.page} of {pagination.pages}
        </Trans>
      </span>
      {pagination.has_next ? (
        <Link
          href={pageHref(pagination.page + 1)}
          className="text-indigo-700 hover:underline"
          preserveScroll
        >
          <Trans>Next →</Trans>
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
