import { Trans } from "@lingui/react/macro";
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";

// What a destructive action asks before it runs.
export type Confirmation = {
  title: string;
  body?: ReactNode;
  // The confirming button's label: the action itself ("Refund", "Delete"), never "OK".
  confirmLabel: string;
};

type Pending = Confirmation & { resolve: (confirmed: boolean) => void };

// The one confirmation of the back office's destructive actions: a modal <dialog>
// (showModal: the rest of the page is inert; Tab goes round its buttons; Escape cancels),
// focus on "Cancel" when it opens and back where it was when it closes.
//
//   const { confirm, dialog } = useConfirm();
//   if (await confirm({ title: "Delete voucher SPRING?", confirmLabel: "Delete" })) { ... }
//   return <>{...}{dialog}</>;
export function useConfirm(): {
  confirm: (confirmation: Confirmation) => Promise<boolean>;
  dialog: ReactNode;
} {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback(
    (confirmation: Confirmation) =>
      new Promise<boolean>((resolve) => setPending({ ...confirmation, resolve })),
    [],
  );
  const settle = useCallback(
    (confirmed: boolean) => {
      pending?.resolve(confirmed);
      setPending(null);
    },
    [pending],
  );
  return {
    confirm,
    dialog: pending ? <ConfirmDialog confirmation={pending} onSettle={settle} /> : null,
  };
}

function ConfirmDialog({
  confirmation,
  onSettle,
}: {
  confirmation: Confirmation;
  onSettle: (confirmed: boolean) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) {
      dialog.showModal();
      cancelRef.current?.focus();
    }
    return () => {
      before?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={confirmation.body ? bodyId : undefined}
      data-testid="confirm-dialog"
      // Escape: the browser's cancel event; closing it any way but "confirm" cancels.
      onCancel={(e) => {
        e.preventDefault();
        onSettle(false);
      }}
      // Tab and Shift+Tab go round the two buttons (a modal dialog alone lets focus
      // leave for the browser's own controls).
      onKeyDown={(e) => {
        if (e.key !== "Tab") {
          return;
        }
        const [first, last] = [cancelRef.current, confirmRef.current];
        const edge = e.shiftKey ? first : last;
        if (document.activeElement === edge || !e.currentTarget.contains(document.activeElement)) {
          e.preventDefault();
          (e.shiftKey ? last : first)?.focus();
        }
      }}
      className="m-auto w-full max-w-md rounded-xl border border-slate-200 p-6 shadow-xl backdrop:bg-slate-900/40"
    >
      <h2 id={titleId} className="text-lg font-semibold text-slate-900">
        {confirmation.title}
      </h2>
      {confirmation.body ? (
        <div id={bodyId} className="mt-2 text-sm text-slate-700">
          {confirmation.body}
        </div>
      ) : null}
      <div className="mt-6 flex justify-end gap-3">
        <button
          ref={cancelRef}
          type="button"
          onClick={() => onSettle(false)}
          className="rounded-lg border border-slate-300 px-4 py-2 text-sm hover:bg-slate-50"
        >
          <Trans>Cancel</Trans>
        </button>
        <button
          ref={confirmRef}
          type="button"
          onClick={() => onSettle(true)}
          className="rounded-lg bg-red-600 px-4 py-2 text-sm font-semibold text-white hover:bg-red-700"
        >
          {confirmation.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
