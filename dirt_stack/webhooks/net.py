"""Reaching an endpoint without reaching inside the network (SSRF).

``check_url`` is what an endpoint's URL must be when it is saved: HTTPS (HTTP only with
``WEBHOOKS_ALLOW_HTTP``, on by default under DEBUG), no user or password, a host whose every
address is public. ``post`` checks again when it sends: it resolves the name, refuses if any
address is not public, and connects to the checked address only, sending the name as the
Host header and as TLS SNI (the certificate is verified for the name), so a name that
resolves elsewhere between the check and the connection is never followed. Redirects are not
followed; the response's body is read up to ``BODY_LIMIT`` bytes.

Loopback is allowed only with ``WEBHOOKS_ALLOW_LOOPBACK`` (off by default; the tests' local
receiver uses it). Private, link-local (169.254.169.254, the instance metadata), multicast,
unspecified, reserved, shared (100.64/10) and unique-local (fc00::/7) addresses never are.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

BODY_LIMIT = 4096
TIMEOUT_SECONDS = 15.0
CONNECT_TIMEOUT_SECONDS = 5.0


class Refused(Exception):
    """The URL or an address of its host may not be called. ``str()`` is the reason in
    English (the delivery log keeps it); ``translated()`` in the active language (the form)."""

    def __init__(self, message: str, **values: object) -> None:
        self.message, self.values = message, values
        super().__init__(message % values)

    def translated(self) -> str:
        return gettext(self.message) % self.values


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    duration_ms: int
    address: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the tests replace this function)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(gettext_noop("The host %(host)s cannot be resolved."), host=host) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_address(raw: str) -> None:
    """Refuse an address that is not public (see the module's docstring)."""
    address = ipaddress.ip_address(raw.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or address.sixtofour or address
    if address.is_loopback and settings.WEBHOOKS_ALLOW_LOOPBACK:
        return
    if (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        raise Refused(
            gettext_noop(
                "The address %(address)s is not a public address; webhooks are sent to public hosts only."
            ),
            address=str(address),
        )


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse(url: str) -> Target:
    """The parts of an endpoint's URL, or Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(gettext_noop("This is not a valid URL.")) from exc
    allowed = {"https", "http"} if settings.WEBHOOKS_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed:
        raise Refused(gettext_noop("The URL must start with https://."))
    if parts.username is not None or parts.password is not None:
        raise Refused(gettext_noop("The URL may not contain a user name or password."))
    host = parts.hostname or ""
    if not host:
        raise Refused(gettext_noop("The URL needs a host name."))
    port = port or (443 if parts.scheme == "https" else 80)
    if settings.WEBHOOKS_ALLOWED_PORTS and port not in settings.WEBHOOKS_ALLOWED_PORTS:
        allowed_ports = ", ".join(str(p) for p in settings.WEBHOOKS_ALLOWED_PORTS)
        raise Refused(
            gettext_noop("Use the standard HTTPS port: endpoints may use port %(ports)s only."),
            ports=allowed_ports,
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path)


def addresses(target: Target) -> list[str]:
    """The host's addresses, every one of them checked."""
    found = resolve(target.host, target.port)
    if not found:
        raise Refused(gettext_noop("The host %(host)s has no address."), host=target.host)
    for address in found:
        check_address(address)
    return found


def check_url(url: str) -> None:
    """Refused unless ``url`` may be an endpoint (its host resolved and checked now)."""
    addresses(parse(url))


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url`` at one checked address of its host; no redirects, 15 s in
    all, the answer's body cut to BODY_LIMIT. Raises Refused, or urllib3's errors."""
    target = parse(url)
    address = addresses(target)[0]
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = response.read(BODY_LIMIT, decode_content=False) or b""
        finally:
            response.close()
        return Response(
            status=response.status,
            headers=dict(response.headers.items()),
            body=data[:BODY_LIMIT],
            duration_ms=int((time.monotonic() - started) * 1000),
            address=address,
        )
    finally:
        pool.close()
