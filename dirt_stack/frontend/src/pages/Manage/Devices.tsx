import { Head, Link, router, useForm } from "@inertiajs/react";
import { Trans, useLingui } from "@lingui/react/macro";
import { useConfirm } from "../../components/ConfirmDialog";
import {
  CheckboxField,
  CheckboxGroup,
  FormError,
  PrimaryButton,
  TextField,
} from "../../components/fields";
import { formatEventDate } from "../../lib/format";
import type { PageProps } from "../../types";

type Props = PageProps<"Manage/Devices">;
type Device = Props["devices"][number];

// The event's scanner devices: a new one gets a pairing QR code (shown once) that the phone's
// camera opens; each is listed with its state and log, and can be paired again or revoked.
export default function Devices({ event, organizer_slug, lists, devices, pairing }: Props) {
  const { t } = useLingui();
  const { confirm, dialog } = useConfirm();
  const base = `/manage/${organizer_slug}/events/${event.slug}`;
  const form = useForm({ name: "", gate: "", all_lists: true, lists: [] as number[] });
  const errors = form.errors as Partial<Record<"name" | "gate" | "lists" | "form", string>>;
  const when = (iso: string | null) => (iso ? formatEventDate(iso, event.timezone) : "—");

  function create(e: React.FormEvent) {
    e.preventDefault();
    form.post(`${base}/devices/`, { preserveScroll: true, onSuccess: () => form.reset() });
  }

  async function revoke(device: Device) {
    if (
      await confirm({
        title: t`Revoke “${device.name}”?`,
        body: t`It stops checking tickets in at once. Its scans made offline and not yet uploaded are lost.`,
        confirmLabel: t`Revoke`,
      })
    ) {
      router.post(
        `${base}/devices/`,
        { action: "revoke", id: device.id },
        { preserveScroll: true },
      );
    }
  }

  const states: Record<Device["state"], string> = {
    waiting: t`Waiting to be paired`,
    paired: t`Paired`,
    revoked: t`Revoked`,
  };
  const actions: Record<Device["log"][number]["action"], string> = {
    created: t`Created`,
    pairing_code: t`New pairing code`,
    paired: t`Paired`,
    revoked: t`Revoked`,
  };

  return (
    <div className="mx-auto max-w-4xl space-y-8 p-6">
      <Head title={t`Scanner devices · ${event.title}`} />
      <div>
        <Link href={`${base}/`} className="text-sm text-indigo-700 hover:underline">
          <Trans>← Back to the event</Trans>
        </Link>
        <h1 className="mt-2 text-2xl font-bold">
          <Trans>Scanner devices</Trans>
        </h1>
        <p className="mt-1 text-slate-600">
          <Trans>
            A device scans tickets at one gate, also without a network: it keeps the tickets of its
            lists and uploads its scans when it is back online. Pair a phone by scanning the pairing
            QR code with its camera.
          </Trans>
        </p>
        <p className="mt-2 text-sm">
          <Link href={`${base}/door-status/`} className="text-indigo-700 hover:underline">
            <Trans>Door status: entries, exits and who is inside</Trans>
          </Link>
        </p>
      </div>

      {pairing && (
        <section
          className="rounded-xl border border-indigo-200 bg-indigo-50 p-5"
          data-testid="pairing"
          aria-labelledby="pairing-title"
        >
          <h2 id="pairing-title" className="text-lg font-semibold">
            <Trans>
              Pair “<span data-server-text>{pairing.device_name}</span>”
            </Trans>
          </h2>
          <div className="mt-3 flex flex-wrap items-center gap-6">
            <img src={pairing.qr_svg} alt={t`Pairing QR code`} className="size-48 bg-white" />
            <div className="space-y-2 text-sm">
              <p>
                <Trans>
                  Scan it with the device's camera, or open the scanner and type the code:
                </Trans>
              </p>
              <p
                className="font-mono text-2xl tracking-widest"
                data-testid="pairing-code"
                data-server-text
              >
                {pairing.code}
              </p>
              <p>
                <Trans>
                  Valid once, until {formatEventDate(pairing.expires_at, event.timezone)}. It is
                  shown only now.
                </Trans>
              </p>
            </div>
          </div>
        </section>
      )}

      <section className="rounded-xl border border-slate-200 bg-white p-5">
        <h2 className="text-lg font-semibold">
          <Trans>New device</Trans>
        </h2>
        <form onSubmit={create} className="mt-3 space-y-4">
          <FormError message={errors.form} />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label={t`Name`}
              name="name"
              value={form.data.name}
              onChange={(e) => form.setData("name", e.target.value)}
              error={errors.name}
              placeholder={t`e.g. Phone 1`}
              required
            />
            <TextField
              label={t`Gate`}
              name="gate"
              value={form.data.gate}
              onChange={(e) => form.setData("gate", e.target.value)}
              error={errors.gate}
              placeholder={t`e.g. North gate`}
              required
            />
          </div>
          <CheckboxField
            label={t`Every check-in list of the event`}
            name="all_lists"
            checked={form.data.all_lists}
            onChange={(e) => form.setData("all_lists", e.target.checked)}
          />
          {!form.data.all_lists && (
            <CheckboxGroup
              legend={t`Check-in lists`}
              options={lists.map((list) => ({ value: list.id, label: list.name }))}
              chosen={form.data.lists}
              onChange={(chosen) => form.setData("lists", chosen)}
              error={errors.lists}
            />
          )}
          <PrimaryButton disabled={form.processing}>
            <Trans>Create and show its pairing code</Trans>
          </PrimaryButton>
        </form>
      </section>

      <section>
        <h2 className="text-lg font-semibold">
          <Trans>Devices</Trans>
        </h2>
        {devices.length === 0 ? (
          <p className="mt-2 text-slate-600">
            <Trans>
              No device yet. Door staff can also scan on the check-in page while logged in.
            </Trans>
          </p>
        ) : (
          <ul className="mt-3 space-y-3">
            {devices.map((device) => (
              <li
                key={device.id}
                className="rounded-xl border border-slate-200 bg-white p-4"
                data-testid="device"
              >
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div>
                    <p className="font-semibold">
                      <span data-server-text>{device.name}</span> ·{" "}
                      <span data-server-text>{device.gate}</span>
                    </p>
                    <p className="text-sm text-slate-600">
                      {device.lists === null ? (
                        <Trans>Every check-in list</Trans>
                      ) : (
                        <span data-server-text>{device.lists.join(", ")}</span>
                      )}
                    </p>
                    <p className="text-sm">
                      {states[device.state]}
                      {device.last_seen_at && (
                        <>
                          {" · "}
                          <Trans>last seen {when(device.last_seen_at)}</Trans>
                        </>
                      )}
                    </p>
                  </div>
                  {device.state !== "revoked" && (
                    <div className="flex gap-2">
                      <button
                        type="button"
                        className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50"
                        onClick={() =>
                          router.post(
                            `${base}/devices/`,
                            { action: "pairing_code", id: device.id },
                            { preserveScroll: true },
                          )
                        }
                      >
                        <Trans>New pairing code</Trans>
                      </button>
                      <button
                        type="button"
                        className="rounded-lg border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50"
                        onClick={() => void revoke(device)}
                      >
                        <Trans>Revoke</Trans>
                      </button>
                    </div>
                  )}
                </div>
                <details className="mt-2 text-sm">
                  <summary className="cursor-pointer text-slate-600">
                    <Trans>Log</Trans>
                  </summary>
                  <ul className="mt-1 space-y-0.5">
                    {device.log.map((entry) => (
                      <li key={`${entry.action}-${entry.at}`}>
                        {when(entry.at)} · {actions[entry.action]}
                        {entry.actor && (
                          <>
                            {" · "}
                            <span data-server-text>{entry.actor}</span>
                          </>
                        )}
                      </li>
                    ))}
                  </ul>
                </details>
              </li>
            ))}
          </ul>
        )}
      </section>
      {dialog}
    </div>
  );
}
