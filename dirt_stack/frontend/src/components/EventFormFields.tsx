import { CheckboxField, SelectField, TextArea, TextField } from "./fields";

export type EventFormData = {
  title: string;
  slug: string;
  description: string;
  venue_name: string;
  venue_address: string;
  is_online: boolean;
  timezone: string;
  starts_at: string;
  ends_at: string;
  currency: string;
  capacity: string;
  cover_image: File | null;
};

type Props = {
  data: EventFormData;
  setData: <K extends keyof EventFormData>(key: K, value: EventFormData[K]) => void;
  errors: Partial<Record<keyof EventFormData | "form", string>>;
  timezones: string[];
  currencies: string[];
};

// The event fields shared by the "new event" page and the editor.
export default function EventFormFields({ data, setData, errors, timezones, currencies }: Props) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField
        className="sm:col-span-2"
        label="Title"
        name="title"
        value={data.title}
        onChange={(e) => setData("title", e.target.value)}
        error={errors.title}
        required
      />
      <TextField
        className="sm:col-span-2"
        label="URL name"
        name="slug"
        hint="Optional; made from the title when empty. The page will be /events/<URL name>/"
        value={data.slug}
        onChange={(e) => setData("slug", e.target.value)}
        error={errors.slug}
      />
      <TextArea
        className="sm:col-span-2"
        label="Description"
        name="description"
        rows={6}
        hint="Markdown: **bold**, *italic*, [links](https://…), lists."
        value={data.description}
        onChange={(e) => setData("description", e.target.value)}
        error={errors.description}
      />
      <CheckboxField
        className="sm:col-span-2"
        label="Online event"
        name="is_online"
        checked={data.is_online}
        onChange={(e) => setData("is_online", e.target.checked)}
        error={errors.is_online}
      />
      {!data.is_online ? (
        <>
          <TextField
            label="Venue"
            name="venue_name"
            value={data.venue_name}
            onChange={(e) => setData("venue_name", e.target.value)}
            error={errors.venue_name}
          />
          <TextField
            label="Address"
            name="venue_address"
            value={data.venue_address}
            onChange={(e) => setData("venue_address", e.target.value)}
            error={errors.venue_address}
          />
        </>
      ) : null}
      <SelectField
        label="Time zone"
        name="timezone"
        value={data.timezone}
        onChange={(e) => setData("timezone", e.target.value)}
        options={timezones.map((tz) => ({ value: tz, label: tz }))}
        error={errors.timezone}
        hint="Start and end are times in this zone."
      />
      <SelectField
        label="Currency"
        name="currency"
        value={data.currency}
        onChange={(e) => setData("currency", e.target.value)}
        options={currencies.map((code) => ({ value: code, label: code }))}
        error={errors.currency}
      />
      <TextField
        label="Starts"
        type="datetime-local"
        name="starts_at"
        value={data.starts_at}
        onChange={(e) => setData("starts_at", e.target.value)}
        error={errors.starts_at}
        required
      />
      <TextField
        label="Ends"
        type="datetime-local"
        name="ends_at"
        value={data.ends_at}
        onChange={(e) => setData("ends_at", e.target.value)}
        error={errors.ends_at}
        required
      />
      <TextField
        label="Event capacity"
        type="number"
        min={1}
        name="capacity"
        hint="Optional: a limit shared by all ticket types."
        value={data.capacity}
        onChange={(e) => setData("capacity", e.target.value)}
        error={errors.capacity}
      />
      <TextField
        label="Cover image"
        type="file"
        name="cover_image"
        accept="image/jpeg,image/png,image/webp"
        hint="JPEG, PNG or WebP, up to 5 MB."
        onChange={(e) => setData("cover_image", e.target.files?.[0] ?? null)}
        error={errors.cover_image}
      />
    </div>
  );
}
