"""An order's invoice address (``InvoiceAddress``): its row, written with the order, and
the later check of a VAT ID that VIES could not answer at checkout.

The address is checked and its VAT ID asked of VIES before the order's write
(taxes.addresses.prepare, outside any transaction). When VIES did not answer, the sale went
on with the VAT ID ``unchecked`` (its invoice flagged for a re-check) and the order's write
queued a ``vat_id_recheck`` outbox message with it: its handler asks VIES again outside
any transaction, and a VIES that is still away makes it fail, so the outbox tries again
at its next sweeps (``core.outbox.MAX_ATTEMPTS``). A VAT ID VIES then says is not
registered stays ``unchecked`` and the order's audit log says so (``vat_id_invalid``): the
organizer corrects the invoice.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from sales import audit
from sales.models import InvoiceAddress, Order
from taxes import vat_ids
from taxes.addresses import FIELDS, AddressDetails

VAT_ID_RECHECK = "vat_id_recheck"
VIES_ACTOR = audit.Actor(system="Maticko (VIES check)")


class ViesUnreachable(Exception):
    pass


def row(order: Order, address: AddressDetails) -> InvoiceAddress:
    """The unsaved row of ``order``'s invoice address."""
    return InvoiceAddress(
        order=order,
        **{name: getattr(address, name) for name in FIELDS},
        vat_id_status=address.vat_id_status,
        vat_id_checked_at=address.vat_id_checked_at,
    )


def recheck_message(order: Order, address: InvoiceAddress) -> OutboxMessage | None:
    """The re-check of an unchecked VAT ID, written with the order (None when checked)."""
    if address.vat_id_status != InvoiceAddress.VatIdStatus.UNCHECKED:
        return None
    return outbox.new_message(VAT_ID_RECHECK, {"order": order.code})


@outbox.handler(VAT_ID_RECHECK, own_transactions=True)
def recheck(payload: dict[str, Any]) -> None:
    """Ask VIES about an order's unchecked VAT ID (outside any transaction); raise
    ViesUnreachable to be tried again later."""
    address = InvoiceAddress.objects.filter(
        order__code=payload["order"], vat_id_status=InvoiceAddress.VatIdStatus.UNCHECKED
    ).first()
    if address is None:
        return  # checked meanwhile, or the order is gone
    answer = vat_ids.ask_vies(address.vat_id)
    if answer == vat_ids.Vies.UNREACHABLE:
        raise ViesUnreachable(f"VIES did not answer for {address.vat_id}.")
    if answer == vat_ids.Vies.VALID:
        InvoiceAddress.objects.filter(
            pk=address.pk, vat_id_status=InvoiceAddress.VatIdStatus.UNCHECKED
        ).update(vat_id_status=InvoiceAddress.VatIdStatus.VALID, vat_id_checked_at=timezone.now())
        return
    InvoiceAddress.objects.filter(pk=address.pk).update(vat_id_checked_at=timezone.now())
    audit.record(address.order_id, "vat_id_invalid", VIES_ACTOR, vat_id=address.vat_id)
