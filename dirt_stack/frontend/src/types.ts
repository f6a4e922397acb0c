// Shapes of the props Django sends (see events/serializers.py and
// core/middleware.py). Keep them in step with the server.

export type User = { email: string; name: string };

export type SharedProps = {
  app: { name: string; version: string };
  auth: { user: User | null };
};

export type FlashMessage = {
  level: "debug" | "info" | "success" | "warning" | "error";
  message: string;
};

export type EventSummary = {
  slug: string;
  title: string;
  organizer: { name: string; slug: string };
  starts_at: string;
  ends_at: string;
  timezone: string;
  venue: string;
  is_online: boolean;
  status: "draft" | "published" | "cancelled";
};

export type EventDetail = EventSummary & {
  description: string;
  venue_name: string;
  venue_address: string;
};

declare module "@inertiajs/core" {
  export interface InertiaConfig {
    sharedPageProps: SharedProps;
    flashDataType: { messages?: FlashMessage[] };
  }
}
