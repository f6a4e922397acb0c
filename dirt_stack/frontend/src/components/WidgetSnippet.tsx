import { Trans, useLingui } from "@lingui/react/macro";
import { useEffect, useId, useState } from "react";
import { TextField } from "./fields";

// The shop widget's snippet generator (back office): the HTML to paste on the organizer's
// website, a copy button and a live preview that runs the real widget script.

type Target = { kind: "event"; slug: string } | { kind: "organizer"; slug: string };
type Style = "inline" | "button";

const SCRIPT_PATH = "/widget/v1/maticko.js";

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

export function snippet(siteUrl: string, target: Target, style: Style, label: string): string {
  const data = `data-${target.kind}="${escapeHtml(target.slug)}"`;
  const element =
    style === "inline"
      ? `<div class="maticko-widget" ${data}></div>`
      : `<button type="button" class="maticko-button" ${data}>${escapeHtml(label)}</button>`;
  return `<script src="${escapeHtml(siteUrl)}${SCRIPT_PATH}" async></script>\n${element}`;
}

type WidgetApi = { scan: () => void; close: () => void };

// Loads the widget script once into this page (it is this site's own script) and mounts
// the preview's element; after the preview changes, mounts the new one.
function mountPreview() {
  const api = (window as unknown as { MatickoWidget?: WidgetApi }).MatickoWidget;
  if (api) {
    api.scan();
    return;
  }
  const script = document.createElement("script");
  script.src = SCRIPT_PATH;
  script.async = true;
  document.head.append(script);
}

function closeOverlay() {
  (window as unknown as { MatickoWidget?: WidgetApi }).MatickoWidget?.close();
}

export default function WidgetSnippet({
  siteUrl,
  target,
  defaultLabel,
}: {
  siteUrl: string;
  target: Target;
  defaultLabel: string;
}) {
  const { t } = useLingui();
  const [style, setStyle] = useState<Style>("inline");
  const [label, setLabel] = useState(defaultLabel);
  const [copied, setCopied] = useState(false);
  const code = snippet(siteUrl, target, style, label || defaultLabel);
  const codeId = useId();
  const previewKey = `${style}:${label}`;
  useEffect(() => {
    if (previewKey) {
      mountPreview();
    }
  }, [previewKey]);
  useEffect(() => closeOverlay, []);

  async function copy() {
    await navigator.clipboard.writeText(code);
    setCopied(true);
  }

  return (
    <div className="space-y-4">
      <fieldset>
        <legend className="text-sm font-medium text-slate-700">
          <Trans>Show the shop</Trans>
        </legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="widget-style"
              checked={style === "inline"}
              onChange={() => {
                setStyle("inline");
                setCopied(false);
              }}
            />
            <Trans>In the page</Trans>
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="widget-style"
              checked={style === "button"}
              onChange={() => {
                setStyle("button");
                setCopied(false);
              }}
            />
            <Trans>Behind a button (opens over the page)</Trans>
          </label>
        </div>
      </fieldset>
      {style === "button" ? (
        <TextField
          label={t`Button text`}
          value={label}
          maxLength={80}
          onChange={(e) => {
            setLabel(e.target.value);
            setCopied(false);
          }}
        />
      ) : null}
      <div>
        <label htmlFor={codeId} className="block text-sm font-medium text-slate-700">
          <Trans>Paste this into your website's HTML</Trans>
        </label>
        <textarea
          id={codeId}
          readOnly
          rows={3}
          value={code}
          data-testid="widget-snippet"
          className="mt-1 block w-full rounded-lg border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs"
        />
        <div className="mt-2 flex items-center gap-3">
          <button
            type="button"
            onClick={copy}
            className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
          >
            <Trans>Copy</Trans>
          </button>
          <span role="status" className="text-sm text-emerald-700">
            {copied ? t`Copied.` : ""}
          </span>
        </div>
        <p className="mt-2 text-xs text-slate-500">
          <Trans>
            If your website sends a Content-Security-Policy, allow {siteUrl} in its script-src and
            frame-src.
          </Trans>
        </p>
      </div>
      <section
        aria-label={t`Preview`}
        className="rounded-xl border border-dashed border-slate-300 p-3"
      >
        <p className="mb-2 text-xs font-medium uppercase tracking-wide text-slate-500">
          <Trans>Preview</Trans>
        </p>
        {/* The widget script fills it as on the organizer's website: its frame's title is the
            script's, the shop inside is the server's page. */}
        {style === "inline" ? (
          <div
            key={`inline-${target.slug}`}
            data-server-text
            className="maticko-widget"
            data-testid="widget-preview"
            {...{ [`data-${target.kind}`]: target.slug }}
          />
        ) : (
          <button
            key={`button-${label}`}
            type="button"
            className="maticko-button rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white"
            data-testid="widget-preview"
            {...{ [`data-${target.kind}`]: target.slug }}
          >
            {label || defaultLabel}
          </button>
        )}
      </section>
    </div>
  );
}
