"""An invoice's files: its PDF with the Factur-X XML inside, and the XML alone. Rendered
from the immutable snapshot the first time they are asked for (never in the order's
transaction, which stays short), then kept: every later download is the same bytes."""

from __future__ import annotations

from invoicing import cii, document, pdf
from invoicing.models import Invoice, InvoiceFile


def render(invoice: Invoice) -> tuple[bytes, bytes]:
    """The PDF (Factur-X, the XML embedded and checked) and the XML of ``invoice``."""
    built = document.build(invoice)
    data = cii.xml(built)
    return cii.embed(pdf.render(built), data, built), data


def files(invoice: Invoice) -> InvoiceFile:
    """The kept files of ``invoice``, rendered and stored the first time (a concurrent first
    download stores nothing twice: the first insert wins, both serve it)."""
    kept = InvoiceFile.objects.filter(invoice=invoice).first()
    if kept is not None:
        return kept
    pdf_bytes, xml_bytes = render(invoice)
    InvoiceFile.objects.bulk_create(
        [InvoiceFile(invoice=invoice, pdf=pdf_bytes, xml=xml_bytes)], ignore_conflicts=True
    )
    return InvoiceFile.objects.get(invoice=invoice)


def filename(invoice: Invoice, extension: str) -> str:
    """A file name of ASCII letters, digits, dots and dashes: safe in Content-Disposition."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in invoice.number)
    return f"{safe}.{extension}"
