// The door's keys, derived from a ticket's secret exactly as the server derives them
// (checkin/door_keys.py): HKDF-SHA256 with the salt "maticko-door-v1", the info "ticket-key"
// for the key a ticket is stored under and "personal-data" for the AES-256-GCM key that seals
// the attendee's data (the door key is its associated data). The device stores keys and
// seals only; a ticket's data opens when its QR code is scanned.

const SALT = new TextEncoder().encode("maticko-door-v1");
const encoder = new TextEncoder();

async function hkdf(secret: string, info: string, bits: number): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
    "deriveBits",
  ]);
  return crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode(info) },
    material,
    bits,
  );
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function doorKey(secret: string): Promise<string> {
  return hex(await hkdf(secret, "ticket-key", 256));
}

// The key an order's tickets are found by, from the order code printed on them.
export async function orderKey(code: string): Promise<string> {
  return hex(await hkdf(code.trim().toUpperCase(), "order-key", 256));
}

export type SealedData = { name: string; email: string; order_code: string };

function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

// The attendee's data sealed to this secret, or null when the secret does not open it.
export async function unseal(secret: string, sealed: string): Promise<SealedData | null> {
  const raw = fromBase64Url(sealed);
  const key = await crypto.subtle.importKey(
    "raw",
    await hkdf(secret, "personal-data", 256),
    "AES-GCM",
    false,
    ["decrypt"],
  );
  try {
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: raw.slice(0, 12),
        additionalData: encoder.encode(await doorKey(secret)),
      },
      key,
      raw.slice(12),
    );
    return JSON.parse(new TextDecoder().decode(plain)) as SealedData;
  } catch {
    return null;
  }
}
