import type { ReactNode } from "react";

export default function Card({
  title,
  children,
  narrow = false,
}: {
  title: string;
  children: ReactNode;
  narrow?: boolean;
}) {
  return (
    <section
      className={`mx-auto rounded-xl border border-slate-200 bg-white p-6 shadow-sm ${narrow ? "max-w-sm" : "max-w-2xl"}`}
    >
      <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
      <div className="mt-6">{children}</div>
    </section>
  );
}
