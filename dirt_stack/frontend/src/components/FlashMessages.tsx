import { usePage } from "@inertiajs/react";

const STYLES: Record<string, string> = {
  success: "border-emerald-200 bg-emerald-50 text-emerald-900",
  error: "border-red-200 bg-red-50 text-red-900",
  warning: "border-amber-200 bg-amber-50 text-amber-900",
  info: "border-sky-200 bg-sky-50 text-sky-900",
  debug: "border-slate-200 bg-slate-50 text-slate-900",
};

export default function FlashMessages() {
  const { flash } = usePage();
  const messages = flash.messages ?? [];
  if (messages.length === 0) {
    return null;
  }
  return (
    <div className="mb-6 space-y-2">
      {messages.map((item) => (
        <div
          key={`${item.level}:${item.message}`}
          role={item.level === "error" ? "alert" : "status"}
          className={`rounded-lg border px-4 py-3 text-sm ${STYLES[item.level] ?? STYLES.info}`}
          // The server writes its messages in the page's language.
          data-server-text
        >
          {item.message}
        </div>
      ))}
    </div>
  );
}
