"""Organizer endpoints: the token's organizer's events, ticket types and orders.

Every lookup is scoped to the token's organizer: another organizer's objects
answer 404. Door-staff tokens may read events and check tickets in; changes
and orders need an owner or manager token (403 otherwise).
"""

from ninja import Router

from api.auth import OrganizerToken
from api.manage import dates, door, events, invoices, orders, room, tax_rules, waitlist, webhooks

router = Router(auth=OrganizerToken())
router.add_router("", events.router)
router.add_router("", dates.router)
router.add_router("", door.router)
router.add_router("", orders.router)
router.add_router("", invoices.router)
router.add_router("", room.router)
router.add_router("", tax_rules.router)
router.add_router("", waitlist.router)
router.add_router("", webhooks.router)
