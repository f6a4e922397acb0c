import { Trans } from "@lingui/react/macro";
import type { TicketWalletPass } from "../types";

/** A ticket's "Add to Apple Wallet" and "Save to Google Wallet", for the wallets the
 * operator configured (nothing when the ticket has no passes). Plain links: the pass downloads, and Google's link is signed by the
 * server when followed, never written into the page. */
export default function WalletButtons({
  passes,
  ticketLabel,
}: {
  passes: TicketWalletPass | undefined;
  ticketLabel: string;
}) {
  if (!passes) {
    return null;
  }
  return (
    <div className="mt-3 flex flex-wrap gap-2">
      {passes.apple_url ? (
        <a
          href={passes.apple_url}
          data-testid="apple-wallet"
          className="inline-flex items-center rounded-lg bg-black px-3 py-1.5 text-sm font-semibold text-white hover:bg-slate-800"
        >
          <Trans>
            Add to Apple Wallet<span className="sr-only"> ({ticketLabel})</span>
          </Trans>
        </a>
      ) : null}
      {passes.google_url ? (
        <a
          href={passes.google_url}
          data-testid="google-wallet"
          className="inline-flex items-center rounded-lg px-3 py-1.5 text-sm font-semibold text-slate-900 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
        >
          <Trans>
            Save to Google Wallet<span className="sr-only"> ({ticketLabel})</span>
          </Trans>
        </a>
      ) : null}
    </div>
  );
}
