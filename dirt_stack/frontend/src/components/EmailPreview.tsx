import type { EmailPreview as Preview } from "../types";

// An organizer's email as it will be sent, rendered by the server with an order of the event
// (or sample values, said so), and for a message the number of buyers it reaches.
export function PreviewPane({ preview }: { preview: Preview | null }) {
  if (!preview) {
    return (
      <p className="text-sm text-slate-500">
        “Preview” shows the email with an order of this event (nothing is saved).
      </p>
    );
  }
  return (
    <section
      className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm"
      data-testid="email-preview"
      aria-label="Preview"
    >
      <p className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
        {preview.sample
          ? "Preview with sample values (no order of this event to show)"
          : `Preview with order ${preview.order_code}`}
      </p>
      {preview.recipients !== null && preview.recipients !== undefined ? (
        <p className="mb-2 text-sm font-semibold" data-testid="recipient-count">
          {preview.recipients} recipient{preview.recipients === 1 ? "" : "s"}
        </p>
      ) : null}
      <p className="mb-3 font-semibold">{preview.subject}</p>
      {/* Sanitized on the server (nh3): only formatting tags and http(s)/mailto links. */}
      <div
        className="prose prose-sm max-w-none"
        // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the server
        dangerouslySetInnerHTML={{ __html: preview.html }}
      />
      <details className="mt-4 text-sm">
        <summary className="cursor-pointer text-slate-700">Plain-text part</summary>
        <pre className="mt-2 whitespace-pre-wrap font-sans text-slate-700">{preview.text}</pre>
      </details>
    </section>
  );
}
