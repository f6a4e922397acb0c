"""The development console email backend shows attachments as one line each."""

from __future__ import annotations

import base64
import io

from django.core.mail import EmailMultiAlternatives, get_connection

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 200


def test_console_backend_prints_headers_text_body_and_a_line_per_attachment():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Vaše vstupenky: Jazz na Vodičkově",
        body="Hello Ada,\nyour tickets are attached.\n",
        from_email="Maticko <tickets@localhost>",
        to=["ada@example.com"],
    )
    message.attach_alternative("<p>Hello Ada</p>", "text/html")
    message.attach("tickets-ABC123.pdf", PDF, "application/pdf")

    connection = get_connection("core.console_email.ConsoleEmailBackend", stream=stream)
    assert connection.send_messages([message]) == 1

    printed = stream.getvalue()
    lines = printed.splitlines()
    assert "Subject: Vaše vstupenky: Jazz na Vodičkově" in lines
    assert "To: ada@example.com" in lines
    assert "Hello Ada," in lines
    assert "your tickets are attached." in lines
    assert "[Alternative: (no name), text/html, 16 bytes]" in lines
    assert f"[Attachment: tickets-ABC123.pdf, application/pdf, {len(PDF)} bytes]" in lines
    assert lines[-1] == "-" * 79
    assert base64.b64encode(PDF)[:76].decode() not in printed
    assert len(lines) < 20
