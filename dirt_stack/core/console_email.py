"""The development email backend: Django's console backend without the attachments' base64."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.message import Message

from django.core.mail import EmailMessage
from django.core.mail.backends import console

SEPARATOR = "-" * 79


class ConsoleEmailBackend(console.EmailBackend):
    """Writes each message's headers and text body to the console, and one line per other
    part (attachment or HTML alternative): its name, type and size. Django's own console
    backend writes every part encoded, about a thousand lines for an order's tickets PDF."""

    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(describe_message(message.message()))
        self.stream.write(f"{SEPARATOR}\n")


def describe_message(message: Message) -> str:
    """``message`` as readable text: decoded headers, the text body, a line per other part."""
    lines = [f"{name}: {make_header(decode_header(value))}" for name, value in message.items()]
    lines.append("")
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename is None and content_type == "text/plain":
            charset = part.get_content_charset() or "utf-8"
            lines.append(content.decode(charset, errors="replace").rstrip("\n"))
        else:
            kind = "Attachment" if filename else "Alternative"
            lines.append(f"[{kind}: {filename or '(no name)'}, {content_type}, {len(content)} bytes]")
    return "\n".join(lines) + "\n"
