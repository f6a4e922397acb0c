import { Link, router, usePage } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from "react";
import FlashMessages from "../components/FlashMessages";
import LanguageSwitcher from "../components/LanguageSwitcher";
import { CLOSE_MESSAGE, RESIZE_MESSAGE } from "../lib/embed";
import type { User } from "../types";

export default function Layout({ children }: { children: ReactNode }) {
  const { props } = usePage();
  const { t } = useLingui();
  const user = props.auth.user;

  if (props.embed) {
    return <EmbeddedLayout>{children}</EmbeddedLayout>;
  }
  return (
    <div className="flex min-h-full flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        <Trans>Skip to content</Trans>
      </a>
      <header className="border-b border-slate-200 bg-white">
        <nav
          aria-label={t`Main`}
          className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3"
        >
          <Link href="/" className="flex items-center gap-2 text-lg font-bold text-indigo-700">
            <span aria-hidden="true" className="inline-block size-6 rounded-md bg-indigo-600" />
            Maticko
          </Link>
          <PhoneMenu user={user} />
          <div className="hidden items-center gap-4 text-sm sm:flex">
            <LanguageSwitcher />
            <Link href="/" className="text-slate-700 hover:text-indigo-700">
              <Trans>Events</Trans>
            </Link>
            {user ? (
              <>
                <Link
                  href="/orders/"
                  className="hidden text-slate-700 hover:text-indigo-700 sm:inline"
                >
                  <Trans>My orders</Trans>
                </Link>
                <Link href="/manage/" className="text-slate-700 hover:text-indigo-700">
                  <Trans>My events</Trans>
                </Link>
                <Link
                  href="/accounts/security/"
                  className="hidden text-slate-600 hover:text-indigo-700 sm:inline"
                  data-testid="current-user"
                  title={t`Security: password and two-factor authentication`}
                >
                  {user.name}
                </Link>
                <Link
                  href="/accounts/logout/"
                  method="post"
                  as="button"
                  className="rounded-lg border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100"
                >
                  <Trans>Log out</Trans>
                </Link>
              </>
            ) : (
              <>
                <Link
                  href="/accounts/signup/"
                  className="hidden text-slate-700 hover:text-indigo-700 sm:inline"
                >
                  <Trans>Sell tickets</Trans>
                </Link>
                <Link
                  href="/accounts/login/"
                  className="rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700"
                >
                  <Trans>Log in</Trans>
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
          <p>
            <Trans>Maticko — open-source event ticketing.</Trans>
          </p>
          <p>
            <Link href="/orders/find/" className="hover:text-indigo-700">
              <Trans>Find my tickets</Trans>
            </Link>
          </p>
          <p>
            <Trans>
              Version <span data-server-text>{props.app.version}</span>
            </Trans>
          </p>
        </div>
      </footer>
    </div>
  );
}

// Below the sm breakpoint the header's links live behind one "Menu" button (a disclosure:
// aria-expanded, Escape closes it and returns focus to the button, a visit closes it).
function PhoneMenu({ user }: { user: User | null }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => router.on("navigate", () => setOpen(false)), []);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape" && open) {
      setOpen(false);
      button.current?.focus();
    }
  }

  const item = "block rounded-lg px-3 py-2 text-slate-700 hover:bg-slate-100";
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the menu closes it
    <div className="relative sm:hidden" onKeyDown={onKeyDown}>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls="phone-menu"
        onClick={() => setOpen(!open)}
        className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
      >
        <Trans>Menu</Trans>
      </button>
      {open ? (
        <ul
          id="phone-menu"
          className="absolute right-0 z-10 mt-2 w-56 space-y-1 rounded-xl border border-slate-200 bg-white p-2 text-sm shadow-lg"
        >
          <li>
            <LanguageSwitcher className="px-3 py-2" />
          </li>
          <li>
            <Link href="/" className={item}>
              <Trans>Events</Trans>
            </Link>
          </li>
          {user ? (
            <>
              <li>
                <Link href="/orders/" className={item}>
                  <Trans>My orders</Trans>
                </Link>
              </li>
              <li>
                <Link href="/manage/" className={item}>
                  <Trans>My events</Trans>
                </Link>
              </li>
              <li>
                <Link href="/accounts/security/" className={item}>
                  <Trans>Account security ({user.name})</Trans>
                </Link>
              </li>
              <li>
                <Link
                  href="/accounts/logout/"
                  method="post"
                  as="button"
                  className={`${item} w-full text-left`}
                >
                  <Trans>Log out</Trans>
                </Link>
              </li>
            </>
          ) : (
            <>
              <li>
                <Link href="/accounts/login/" className={item}>
                  <Trans>Log in</Trans>
                </Link>
              </li>
              <li>
                <Link href="/accounts/signup/" className={item}>
                  <Trans>Sell tickets</Trans>
                </Link>
              </li>
            </>
          )}
        </ul>
      ) : null}
    </div>
  );
}

// A page framed on an organizer's website by the shop widget (storefront/embed.py): no
// header or footer, and the frame's height follows the content's. The page that frames it
// (the widget script) checks that the message comes from this site and from its own frame.
function EmbeddedLayout({ children }: { children: ReactNode }) {
  const content = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = content.current;
    if (!element || window.parent === window) {
      return;
    }
    let reported = 0;
    const report = () => {
      const height = Math.ceil(element.getBoundingClientRect().height);
      if (height !== reported) {
        reported = height;
        // The height is no secret: any page framing this one may read it.
        window.parent.postMessage({ type: RESIZE_MESSAGE, height }, "*");
      }
    };
    const observer = new ResizeObserver(report);
    observer.observe(element);
    report();
    // Escape in the frame closes the widget's overlay (the page's own keys never see it);
    // an open dialog of the page's own takes it first.
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (
        event.key === "Escape" &&
        !event.defaultPrevented &&
        !document.querySelector("dialog[open]")
      ) {
        window.parent.postMessage({ type: CLOSE_MESSAGE }, "*");
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      observer.disconnect();
      document.removeEventListener("keydown", onKey);
    };
  }, []);

  return (
    <div ref={content} data-testid="embedded-page" className="px-3 py-4">
      <main id="main">
        <FlashMessages />
        {children}
      </main>
      <p className="mt-4 text-center text-xs text-slate-500">
        <Trans>
          Tickets by{" "}
          <a href="/" target="_blank" rel="noopener" className="hover:text-indigo-700">
            Maticko
          </a>
        </Trans>
      </p>
    </div>
  );
}
