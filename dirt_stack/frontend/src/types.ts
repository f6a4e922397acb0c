// Shapes of the props Django sends (see storefront/serializers.py,
// backoffice/serializers.py and core/middleware.py). Keep them in step with
// the server.

export type User = { email: string; name: string };

export type SharedProps = {
  app: { name: string; version: string };
  auth: { user: User | null };
  errors: Record<string, string>;
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
  currency: string;
  min_price: string | null;
  cover_image_url: string | null;
};

export type SaleState = "on_sale" | "few_left" | "sold_out" | "not_yet_on_sale" | "sales_ended";

export type TicketTypePublic = {
  id: number;
  name: string;
  description: string;
  price: string;
  currency: string;
  state: SaleState;
  available: number;
  sales_start: string | null;
  sales_end: string | null;
  min_per_order: number;
  max_per_order: number;
};

export type PaymentMethod = { name: string; label: string };

export type EventDetail = EventSummary & {
  description_html: string;
  venue_name: string;
  venue_address: string;
  ticket_types: TicketTypePublic[];
  payment_methods: PaymentMethod[];
};

export type OrderLine = {
  ticket_type: string;
  quantity: number;
  unit_price: string;
  discount: string;
  total: string;
};

export type OrderTicket = {
  id: number;
  ticket_type_id: number;
  ticket_type: string;
  attendee_name: string;
  secret: string;
  price: string;
  qr: string | null;
  void: boolean;
};

export type OrderDetail = {
  code: string;
  status: "pending" | "paid" | "cancelled" | "refunded" | "expired";
  status_label: string;
  event: {
    slug: string;
    title: string;
    starts_at: string;
    timezone: string;
    venue: string;
    status: string;
  };
  buyer: { name: string; email: string };
  currency: string;
  subtotal: string;
  discount: string;
  total: string;
  refunded_amount: string;
  payment_method: string;
  payment_deadline: string | null;
  bank_transfer_details: string;
  created_at: string;
  order_url: string;
  tickets_valid: boolean;
  pdf_url: string;
  lines: OrderLine[];
  tickets: OrderTicket[];
};

export type Pagination = {
  page: number;
  pages: number;
  count: number;
  has_previous: boolean;
  has_next: boolean;
};

declare module "@inertiajs/core" {
  export interface InertiaConfig {
    sharedPageProps: SharedProps;
    flashDataType: { messages?: FlashMessage[] };
  }
}
