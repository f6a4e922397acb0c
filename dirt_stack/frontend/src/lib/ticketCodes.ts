// Codes a person brings to the door: a ticket's secret (its QR code, ``sales.models.new_secret``:
// URL-safe base64) or its order's code (printed on the ticket, ``new_order_code``).

// What a scanned text is: a ticket's secret (its QR code), an order code (printed on the
// ticket, typed at the door) or neither.
export function kindOfCode(text: string): "secret" | "order" | "invalid" {
  const code = text.trim();
  if (/^[A-Za-z0-9_-]{16,64}$/.test(code)) {
    return "secret";
  }
  if (/^[A-Za-z0-9]{4,12}$/.test(code)) {
    return "order";
  }
  return "invalid";
}
