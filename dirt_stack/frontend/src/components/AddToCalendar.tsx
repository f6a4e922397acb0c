import { Trans } from "@lingui/react/macro";

/** The order's date as an .ics file, for the buyer's calendar app. Downloading it again
 * after the date moved replaces the entry (same UID, higher SEQUENCE). */
export default function AddToCalendar({ url }: { url: string }) {
  return (
    <a
      href={url}
      download
      data-testid="add-to-calendar"
      className="mt-3 inline-flex items-center gap-1.5 rounded-lg px-3 py-1.5 text-sm font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50"
    >
      <span aria-hidden="true">📅</span>
      <Trans>
        Add to calendar<span className="sr-only"> (.ics file)</span>
      </Trans>
    </a>
  );
}
