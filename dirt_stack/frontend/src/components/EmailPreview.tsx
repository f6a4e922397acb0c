import { Plural, Trans, useLingui } from "@lingui/react/macro";
import type { EmailPreview as Preview } from "../types";

// An organizer's email as it will be sent, rendered by the server with an order of the event
// (or sample values, said so), and for a message the number of buyers it reaches. The email
// itself is the server's and the organizer's text (data-server-text).
export function PreviewPane({ preview }: { preview: Preview | null }) {
  const { t } = useLingui();
  if (!preview) {
    return (
      <p className="text-sm text-slate-500">
        <Trans>“Preview” shows the email with an order of this event (nothing is saved).</Trans>
      </p>
    );
  }
  const orderCode = preview.order_code;
  const recipients = preview.recipients;
  return (
    <section
      className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      data-testid="email-preview"
      aria-label={t`Preview`}
    >
      <p className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
        {preview.sample
          ? t`Preview with sample values (no order of this event to show)`
          : t`Preview with order ${orderCode}`}
      </p>
      {recipients !== null && recipients !== undefined ? (
        <p className="mb-2 text-sm font-semibold" data-testid="recipient-count">
          <Plural value={recipients} one="# recipient" other="# recipients" />
        </p>
      ) : null}
      <p className="mb-3 font-semibold" data-server-text>
        {preview.subject}
      </p>
      {/* Sanitized on the server (nh3): only formatting tags and http(s)/mailto links. */}
      <div
        className="prose prose-sm max-w-none"
        data-server-text
        // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the server
        dangerouslySetInnerHTML={{ __html: preview.html }}
      />
      <details className="mt-4 text-sm">
        <summary className="cursor-pointer text-slate-700">
          <Trans>Plain-text part</Trans>
        </summary>
        <pre className="mt-2 whitespace-pre-wrap font-sans text-slate-700" data-server-text>
          {preview.text}
        </pre>
      </details>
    </section>
  );
}
