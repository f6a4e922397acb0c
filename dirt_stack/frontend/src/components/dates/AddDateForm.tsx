import { useForm } from "@inertiajs/react";
import type { FormEvent } from "react";
import { FormError, PrimaryButton, TextField } from "../fields";

type Props = {
  action: string;
  errors: Record<string, string>;
  onDone: () => void;
};

// One new date: its times in the event's zone, and optionally its own capacity and venue.
export default function AddDateForm({ action, errors, onDone }: Props) {
  const form = useForm({
    starts_at: "",
    ends_at: "",
    admission_at: "",
    capacity: "",
    venue_name: "",
    venue_address: "",
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    form.post(action, {
      preserveScroll: true,
      onSuccess: (page) => {
        if (!Object.keys(page.props.errors ?? {}).some((key) => key.startsWith("add."))) {
          form.reset();
          onDone();
        }
      },
    });
  }

  return (
    <form
      onSubmit={submit}
      className="grid gap-3 sm:grid-cols-3"
      noValidate
      data-testid="add-date-form"
    >
      <div className="sm:col-span-3">
        <FormError message={errors.form} />
      </div>
      <TextField
        label="Starts"
        type="datetime-local"
        value={form.data.starts_at}
        onChange={(e) => form.setData("starts_at", e.target.value)}
        error={errors.starts_at}
        required
      />
      <TextField
        label="Ends"
        type="datetime-local"
        value={form.data.ends_at}
        onChange={(e) => form.setData("ends_at", e.target.value)}
        error={errors.ends_at}
        required
      />
      <TextField
        label="Doors open"
        type="datetime-local"
        hint="Optional."
        value={form.data.admission_at}
        onChange={(e) => form.setData("admission_at", e.target.value)}
        error={errors.admission_at}
      />
      <TextField
        label="Capacity of this date"
        type="number"
        min={1}
        hint="Optional: a limit shared by all ticket types."
        value={form.data.capacity}
        onChange={(e) => form.setData("capacity", e.target.value)}
        error={errors.capacity}
      />
      <TextField
        label="Venue (if not the event's)"
        value={form.data.venue_name}
        onChange={(e) => form.setData("venue_name", e.target.value)}
        error={errors.venue_name}
      />
      <TextField
        label="Address"
        value={form.data.venue_address}
        onChange={(e) => form.setData("venue_address", e.target.value)}
        error={errors.venue_address}
      />
      <div className="sm:col-span-3">
        <PrimaryButton disabled={form.processing}>Add the date</PrimaryButton>
      </div>
    </form>
  );
}
