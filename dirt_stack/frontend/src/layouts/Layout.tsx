import { Link, usePage } from "@inertiajs/react";
import type { ReactNode } from "react";
import FlashMessages from "../components/FlashMessages";

export default function Layout({ children }: { children: ReactNode }) {
  const { props } = usePage();
  const user = props.auth.user;

  return (
    <div className="flex min-h-full flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <nav
          aria-label="Main"
          className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3"
        >
          <Link href="/" className="flex items-center gap-2 text-lg font-bold text-indigo-700">
            <span aria-hidden="true" className="inline-block size-6 rounded-md bg-indigo-600" />
            Maticko
          </Link>
          <div className="flex items-center gap-4 text-sm">
            <Link href="/" className="text-slate-700 hover:text-indigo-700">
              Events
            </Link>
            {user ? (
              <>
                <Link
                  href="/orders/"
                  className="hidden text-slate-700 hover:text-indigo-700 sm:inline"
                >
                  My orders
                </Link>
                <Link href="/manage/" className="text-slate-700 hover:text-indigo-700">
                  My events
                </Link>
                <Link
                  href="/accounts/security/"
                  className="hidden text-slate-600 hover:text-indigo-700 sm:inline"
                  data-testid="current-user"
                  title="Security: password and two-factor authentication"
                >
                  {user.name}
                </Link>
                <Link
                  href="/accounts/logout/"
                  method="post"
                  as="button"
                  className="rounded-lg border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100"
                >
                  Log out
                </Link>
              </>
            ) : (
              <>
                <Link
                  href="/accounts/signup/"
                  className="hidden text-slate-700 hover:text-indigo-700 sm:inline"
                >
                  Sell tickets
                </Link>
                <Link
                  href="/accounts/login/"
                  className="rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700"
                >
                  Log in
                </Link>
              </>
            )}
          </div>
        </nav>
      </header>

      <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8">
        <FlashMessages />
        {children}
      </main>

      <footer className="border-t border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl flex-col gap-1 px-4 py-6 text-sm text-slate-500 sm:flex-row sm:justify-between">
          <p>Maticko — open-source event ticketing.</p>
          <p>
            <Link href="/orders/find/" className="hover:text-indigo-700">
              Find my tickets
            </Link>
          </p>
          <p>Version {props.app.version}</p>
        </div>
      </footer>
    </div>
  );
}
