// JSON requests outside Inertia visits (the scanner answers in milliseconds, not pages).

// Over HTTPS the server names its cookies with the __Host- prefix (settings.py); in
// development they keep their plain names. Every page response sets the cookie.
export function xsrfCookieName(): string {
  return /(?:^|; )__Host-XSRF-TOKEN=/.test(document.cookie) ? "__Host-XSRF-TOKEN" : "XSRF-TOKEN";
}

function csrfToken(): string {
  const name = xsrfCookieName();
  const match = document.cookie.split("; ").find((cookie) => cookie.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-XSRF-TOKEN": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`The server answered ${response.status}.`);
  }
  return (await response.json()) as T;
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    throw new Error(`The server answered ${response.status}.`);
  }
  return (await response.json()) as T;
}

// A JSON post whose refusal carries a body too (a 422 with errors): the answer of
// either, and whether it was a success. Other failures throw.
export async function postJsonAnswer<T>(
  url: string,
  body: unknown,
): Promise<{ ok: boolean; body: T }> {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-XSRF-TOKEN": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok && response.status !== 422) {
    throw new Error(`The server answered ${response.status}.`);
  }
  return { ok: response.ok, body: (await response.json()) as T };
}
