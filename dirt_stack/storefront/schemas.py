"""Shapes of events, ticket types and orders, shared by the storefront's pages, the back
office and the REST API (one schema each), and the props of the storefront's pages.

``storefront.serializers`` builds these from models; the API's responses are these
schemas or extend them (``api/schemas.py``). The frontend's types are generated
from them (DEVELOPMENT.md, "Types shared with the frontend").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from core.schemas import IsoDateTime, Money, OneOf, PageProps, Pagination, Shape
from events.models import Event, EventDate
from questions.models import Question
from sales.models import InvoiceAddress, Order, TaxTreatment
from sales.tickets import TicketState

EventStatus = Annotated[str, OneOf(Event.Status.values)]
DateStatus = Annotated[str, OneOf(EventDate.Status.values)]
OrderStatus = Annotated[str, OneOf(Order.Status.values)]
QuestionKind = Annotated[str, OneOf(Question.Kind.values)]
QuestionScope = Annotated[str, OneOf(Question.Scope.values)]
TicketStateValue = Annotated[str, OneOf(state.value for state in TicketState)]
TaxTreatmentValue = Annotated[str, OneOf(TaxTreatment.values)]
VatIdStatus = Annotated[str, OneOf(InvoiceAddress.VatIdStatus.values)]
# A VAT rate in percent, as decimal text ("19.00").
TaxRate = Annotated[str, Field(pattern=r"^\d{1,3}\.\d{2}$", examples=["19.00"])]
# storefront.serializers.SaleState (tests/test_frontend_schema.py keeps them equal).
SaleState = Annotated[
    str, OneOf(["on_sale", "few_left", "sold_out", "not_yet_on_sale", "sales_ended", "cancelled"])
]


# --- Events -----------------------------------------------------------------------------


class OrganizerRef(Shape):
    name: str
    slug: str


class EventSummary(Shape):
    """What a list of events shows. Times carry the event's own UTC offset; a series'
    ``starts_at``/``ends_at`` span its dates."""

    slug: str
    title: str
    organizer: OrganizerRef
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    timezone: str = Field(description="The event's IANA time zone, e.g. Europe/Vienna.")
    venue: str = Field(description="The venue's name and address, or “Online”.")
    is_online: bool
    status: EventStatus
    currency: str
    min_price: Money | None = Field(
        description="The cheapest visible ticket type's price (on any date); null when there is none."
    )
    cover_image_url: str | None
    date_count: int = Field(
        description="How many dates the event has, past and cancelled ones included (1: a single-date event)."
    )
    next_starts_at: IsoDateTime | None = Field(
        description="When its next date starts (the soonest not over nor cancelled); null when none is left."
    )


class DatePublic(Shape):
    """One date of an event as buyers see it, with what is left."""

    id: int
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    admission_at: IsoDateTime | None = Field(description="When doors open, if set.")
    venue: str = Field(description="This date's venue (its own, or the event's).")
    status: DateStatus = Field(
        description="What the organizer set: on sale, sold out (sales stopped) or cancelled."
    )
    state: SaleState = Field(
        description="What a buyer can do now: `on_sale`, `few_left`, `sold_out`, `not_yet_on_sale`, "
        "`sales_ended` (also once the date is over) or `cancelled` (the date or the event)."
    )
    sales_start: IsoDateTime | None = Field(
        description="When sales for this date open, if it has its own window."
    )
    available: int = Field(description="Tickets left on this date; 0 unless it is on sale.")
    url: str = Field(description="The event page with this date chosen: a direct link to buy for this date.")


class TicketTypePublic(Shape):
    """A ticket type as buyers see it, with its live availability."""

    id: int
    name: str
    description: str
    price: Money
    currency: str
    state: SaleState
    available: int = Field(description="Tickets left; 0 unless the ticket type is on sale.")
    sales_start: IsoDateTime | None
    sales_end: IsoDateTime | None
    min_per_order: int
    max_per_order: int


class PaymentMethod(Shape):
    name: str
    label: str


class EventDetail(EventSummary):
    """One event with its dates, the ticket types of the chosen date and the payment
    methods it accepts."""

    description_html: str = Field(description="The description's Markdown, rendered and sanitized.")
    venue_name: str
    venue_address: str
    dates: list[DatePublic] = Field(description="Dates not yet over, soonest first.")
    date: DatePublic | None = Field(
        description="The chosen date (a single-date event's one date); null until a buyer chooses one."
    )
    ticket_types: list[TicketTypePublic] = Field(description="On the chosen date; empty without one.")
    payment_methods: list[PaymentMethod]


# --- Orders -----------------------------------------------------------------------------


class OrderLine(Shape):
    """One line of an order, or of a reservation being checked out."""

    ticket_type: str
    quantity: int
    unit_price: Money
    discount: Money
    total: Money = Field(description="What the buyer pays for the line, tax included.")
    tax_rate: TaxRate = Field(description="The VAT rate in percent (0 unless VAT is charged).")
    tax_amount: Money = Field(description="The tax contained in `total` (its net: `total` - `tax_amount`).")
    tax_treatment: TaxTreatmentValue = Field(
        description=(
            "`vat`, `reverse_charge` (the buyer accounts for the VAT), `exempt`, or `none` (no tax rule)."
        ),
    )


class TaxSummary(Shape):
    """The lines of one treatment and rate, summed (net + tax = total)."""

    treatment: TaxTreatmentValue
    rate: TaxRate
    net: Money
    tax: Money
    total: Money


class OrderTaxes(Shape):
    """An order's tax: net, tax per rate, the legal notes its invoice prints."""

    net: Money
    tax: Money
    rates: list[TaxSummary]
    notes: list[str] = Field(
        description=(
            "Legal texts for the buyer, e.g. the reverse charge note (Art. 196 Directive 2006/112/EC)."
        )
    )


class OrderInvoiceAddress(Shape):
    """The address the order's invoice is made out to."""

    is_business: bool
    company: str
    name: str
    street: str
    zipcode: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2.")
    vat_id: str = Field(description="With its country prefix; empty when none was given.")
    vat_id_status: VatIdStatus = Field(
        description=(
            "`valid` (VIES confirmed it), `unchecked` (VIES did not answer: checked again later), "
            "`not_given`."
        )
    )


class Answer(Shape):
    """A buyer's answer to a checkout question, as the order keeps it (with the question's
    label and kind when the order was placed: the question may since have changed or gone)."""

    question: int = Field(description="The question's id.")
    label: str
    kind: QuestionKind
    value: str | bool | list[str] = Field(
        description=(
            "As stored: text; a number as decimal text; a date as YYYY-MM-DD; the chosen options "
            "(multiple choice); true (a ticked checkbox); an ISO 3166 alpha-2 code (country); "
            "+ and digits (phone)."
        )
    )
    text: str = Field(description="The answer in words, as the order pages and CSV exports show it.")


class OrderTicket(Shape):
    id: int
    ticket_type_id: int
    ticket_type: str
    attendee_name: str
    secret: str = Field(description="What the ticket's QR code encodes.")
    price: Money
    qr: str | None = Field(
        description="The QR code as an SVG data URI; only on the order page, for tickets that get in."
    )
    void: bool = Field(description="The ticket does not get in (refunded, or its order is not valid).")
    state: TicketStateValue = Field(
        description="`valid` (gets in), `not_yet_valid` (its order awaits the payment), `refunded`, or "
        "`cancelled` (its order was cancelled or expired, or its date or event was cancelled)."
    )
    state_label: str = Field(description="The state in words: Valid, Not yet valid, Refunded, Cancelled.")
    answers: list[Answer] = Field(description="The answers to the questions asked for this ticket.")


class OrderEvent(Shape):
    """The event and date an order (or a reservation) is for: times and venue are the date's."""

    slug: str
    title: str
    date_id: int
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    admission_at: IsoDateTime | None = Field(description="When doors open on this date, if set.")
    timezone: str
    venue: str = Field(description="This date's venue (its own, or the event's).")
    status: EventStatus
    date_status: DateStatus = Field(description="`cancelled` when this date was called off.")
    url: str = Field(description="The event page with this date chosen.")


class Buyer(Shape):
    name: str
    email: str


class OrderDetail(Shape):
    """An order as its page, the back office and the API show it. Times carry the event's offset."""

    code: str
    status: OrderStatus
    status_label: str
    event: OrderEvent
    buyer: Buyer
    currency: str
    subtotal: Money
    discount: Money
    total: Money
    taxes: OrderTaxes | None = Field(
        None, description="Net, tax per rate and notes; null when no line carries a tax rule."
    )
    invoice_address: OrderInvoiceAddress | None = None
    refunded_amount: Money
    payment_method: str
    payment_deadline: IsoDateTime | None
    awaiting_confirmation: bool = Field(
        False,
        description=(
            "A bank transfer waiting for its buyer to confirm it by the link in the order's email: "
            "until then it holds its tickets only until `payment_deadline`, a short first window."
        ),
    )
    payment_url: str | None = Field(description="Where the buyer pays, for providers with a payment page.")
    pay_now_url: str | None = Field(
        description=(
            "While the order waits for a payment on a provider's page: POST here (the order "
            'page\'s "Pay now") to open that page again, or for the first time when the '
            "provider could not be reached."
        )
    )
    bank_transfer_details: str = Field(description="The organizer's account, for bank transfers.")
    created_at: IsoDateTime
    order_url: str = Field(description="The order's secret page; share it only with the buyer.")
    tickets_valid: bool = Field(description="The order's tickets get in (paid, or an admitted transfer).")
    pdf_url: str
    calendar_url: str = Field(
        description="The order's date as an iCalendar file (.ics), under the order's secret link."
    )
    lines: list[OrderLine]
    tickets: list[OrderTicket]
    answers: list[Answer] = Field(description="The answers to the questions asked once for the order.")


# --- The storefront's pages ---------------------------------------------------------------


class EventFilters(Shape):
    q: str
    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")


class Availability(Shape):
    """What an event's card says about buying: its next date's sale state (the event
    page's rule: "few left" at or below 10 % of the capacity, 3 tickets at the least)."""

    state: SaleState
    available: int = Field(description="Tickets left on the date; 0 unless it is on sale.")
    sales_start: IsoDateTime | None = Field(
        description="When the date's sales open, if it has its own window."
    )


class ListedEvent(EventSummary):
    """An event in the storefront's lists."""

    availability: Availability | None = Field(
        description="Its next date's availability; null when no date is left."
    )


class HomePageProps(PageProps):
    component = "Home"

    events: list[ListedEvent]
    pagination: Pagination
    filters: EventFilters


class OrganizerContact(Shape):
    name: str
    slug: str
    contact_email: str


class OrganizerPageProps(PageProps):
    component = "Organizers/Show"

    organizer: OrganizerContact
    events: list[ListedEvent]
    pagination: Pagination


class VoucherPrice(Shape):
    """A ticket type's price for one ticket with the voucher (sales.pricing)."""

    ticket_type: int
    price: Money


class VoucherCheck(Shape):
    """What the event page says about the voucher code in its address."""

    code: str
    valid: bool
    message: str
    prices: list[VoucherPrice] = Field(
        default_factory=list, description="The shown ticket types the voucher discounts, at their new price."
    )


# --- The on-sale room (onsale; the pages and the API share these) ------------------------

# onsale.services.QueueStatus.state (tests/test_onsale_web.py keeps them equal).
QueueState = Annotated[
    str,
    OneOf(
        [
            "before_open",
            "drawing",
            "waiting",
            "your_turn",
            "used",
            "expired",
            "sold_out",
            "paused",
            "not_joined",
            "no_room",
        ]
    ),
]
RoomMode = Annotated[str, OneOf(["random", "fifo"])]


class QueueStatusOut(Shape):
    """A visitor's place in an event's on-sale room, as the queue page polls it."""

    state: QueueState = Field(
        description="`before_open` (the sale has not started: a countdown), `drawing` (the sale "
        "started, positions are being drawn), `waiting`, `your_turn` (admitted: reserve before "
        "`expires_at`), `used` (the admission bought or reserved), `expired` (the turn passed), "
        "`sold_out`, `paused`, `not_joined` (this browser is not in the queue) or `no_room`."
    )
    position: int | None = Field(description="The place in the queue, 1 first; null until drawn.")
    ahead: int | None = Field(description="People still waiting ahead.")
    eta_seconds: list[int] | None = Field(
        description="[lo, hi]: seconds until the turn, from the admission rate; null when unknown."
    )
    queue_opens_at: IsoDateTime | None
    sale_starts_at: IsoDateTime | None
    mode: RoomMode | None = Field(
        description="`random`: who joined before the sale got a random place, drawn at join; "
        "`fifo`: first come, first served."
    )
    prequeued: bool | None = Field(description="Joined before the sale started; null when not in the queue.")
    expires_at: IsoDateTime | None = Field(description="When the admission (your turn) ends.")
    poll_after_seconds: int = Field(description="Ask again after this many seconds (also Retry-After).")


class RoomRef(Shape):
    """The event page's view of its on-sale room."""

    active: bool = Field(description="The room is open: reserving needs an admission.")
    state: QueueState
    queue_url: str


class WaitlistRef(Shape):
    """The event page's offer to join the waiting list of the chosen date's sold-out ticket types."""

    join_url: str = Field(description="POST date, ticket_type, quantity and email here.")
    ticket_type_ids: list[int] = Field(description="The sold-out ticket types one may wait for.")


class EventPageProps(PageProps):
    component = "Events/Show"

    event: EventDetail
    voucher: VoucherCheck | None
    # Where the ticket form gets a proof-of-work challenge, when reserving needs one
    # (the date is under pressure, or this client tripped a limit: sales.hoarding).
    challenge_url: str | None = None
    # The on-sale room, when the event has one enabled: while it is active, a visitor
    # without an admission sees "Join the queue" instead of the ticket picker.
    room: RoomRef | None = None
    # The waiting list, when the event has one and a ticket type of the chosen date is sold out.
    waitlist: WaitlistRef | None = None


class CheckoutEvent(OrderEvent):
    """The reservation's event and date, and whether the checkout asks for attendees' names."""

    collect_attendee_names: bool


class CheckoutQuestion(Shape):
    """A question the checkout asks."""

    id: int
    label: str
    help_text: str
    kind: QuestionKind
    required: bool
    choices: list[str] = Field(description="The options of a single or multiple choice.")
    choice_labels: list[str] = Field(
        description="How each option reads in the reader's language, one for one with `choices` "
        "(an answer is the option from `choices`)."
    )


class CheckoutTicket(Shape):
    """One ticket being bought, with the questions asked for it."""

    ticket_type: str
    questions: list[CheckoutQuestion]


class Country(Shape):
    code: str = Field(description="ISO 3166-1 alpha-2.")
    name: str


class HoldExtension(Shape):
    """The checkout's "Need more time?": the reservation extended once by the event's
    hold time (sales.stock.extend), offered in its last seconds."""

    minutes: int = Field(description="How much longer the reservation lasts when extended.")
    offered_within: int = Field(description="Offered when this many seconds or fewer are left.")
    url: str


class CheckoutInvoiceAddress(Shape):
    """The checkout's invoice address section (``Event.invoice_address`` optional or required)."""

    required: bool
    default_country: str = Field(description="The event's country, preselected; empty when not set.")
    countries: list[Country]
    eu_countries: list[str] = Field(description="Where a business buyer gives a VAT ID.")


class CheckoutPageProps(PageProps):
    component = "Checkout/Show"

    token: str
    event: CheckoutEvent
    lines: list[OrderLine]
    currency: str
    total: Money
    ticket_count: int
    voucher: str | None
    seconds_left: int = Field(description="Until the reservation expires, by the server's clock.")
    payment_methods: list[PaymentMethod]
    buyer: Buyer = Field(description="The logged-in user's name and email, to prefill the form.")
    questions: list[CheckoutQuestion] = Field(description="The questions asked once for the order.")
    tickets: list[CheckoutTicket] = Field(description="The order's tickets in order, with their questions.")
    countries: list[Country] = Field(
        description="The options of a country question (empty when none is asked)."
    )
    extension: HoldExtension | None = Field(
        description="The one extension the reservation may still get; null once it got it."
    )
    taxes: OrderTaxes | None = Field(None, description="The lines' tax for a private buyer.")
    invoice_address: CheckoutInvoiceAddress | None = Field(
        None, description="The invoice address section; null when the event does not ask for one."
    )


class EventRef(Shape):
    slug: str
    title: str


class QueuePageProps(PageProps):
    component = "Queue/Show"

    event: EventRef
    event_url: str
    status: QueueStatusOut
    status_url: str = Field(description="Polled for the status (honour Retry-After, add jitter).")
    join_url: str
    challenge_url: str = Field(description="The proof-of-work challenge joining needs.")
    waitlist_url: str | None = Field(
        default=None, description="The event page, whose sold-out ticket types offer the waiting list."
    )


class CheckoutExpiredPageProps(PageProps):
    component = "Checkout/Expired"

    event: EventRef
    event_url: str = Field(description="The event page with the reservation's date chosen.")
    completed: bool = Field(
        default=False,
        description="The reservation became an order (whose page could not be found): its tickets "
        "were bought, not released.",
    )


class TicketWalletPass(Shape):
    """The wallet passes one ticket offers, each only when the operator configured it."""

    ticket_id: int
    apple_url: str | None = Field(description="The ticket's Apple Wallet pass (.pkpass).")
    google_url: str | None = Field(
        description="Opens Google Wallet with the ticket; the signed link is made when followed."
    )


AnswerValue = str | bool | list[str]


class AnswersEdit(Shape):
    """An order's answers as a form to change them: the questions asked now, with the
    stored answers as the form's values (``answers``, ``ticket_answers``, as the checkout
    sends them)."""

    url: str = Field(description="POST the changed `answers` and `ticket_answers` here.")
    questions: list[CheckoutQuestion]
    tickets: list[CheckoutTicket]
    countries: list[Country]
    answers: dict[str, AnswerValue]
    ticket_answers: list[dict[str, AnswerValue]]
    closes_at: IsoDateTime | None = Field(
        description="Until when the buyer may change them; none for organizers, who always may."
    )


InvoiceKind = Annotated[str, OneOf(["invoice", "cancellation", "credit_note"])]


class InvoiceLink(Shape):
    """An issued invoice, cancellation or credit note, and where to download it."""

    id: int
    number: str
    kind: InvoiceKind
    issued_at: IsoDateTime
    gross_total: Money
    currency: str
    pdf_url: str


class OrderInvoices(Shape):
    """An order's invoices (invoicing), newest first."""

    invoices: list[InvoiceLink]
    # Set when an invoice may be asked for now (the organizer issues them on request and the
    # order is paid): POST here issues it.
    request_url: str | None = None


class OrderPageProps(PageProps):
    component = "Orders/Show"

    order: OrderDetail
    # One entry per ticket that may go into a wallet; empty when no wallet is configured.
    wallet_passes: list[TicketWalletPass]
    # Set when the buyer opened the confirmation link of a bank transfer: POST here confirms it.
    confirm_url: str | None = None
    answers_edit: AnswersEdit | None = Field(
        default=None,
        description="Set while the buyer may change the order's answers to the checkout questions.",
    )
    # Set while the buyer may change attendee names (sales.attendee_names): POST
    # {ticket, attendee_name} here, until ``attendee_names_until``.
    attendee_names_url: str | None = None
    attendee_names_until: IsoDateTime | None = None
    # None when the organizer issues no invoices and the order has none.
    invoices: OrderInvoices | None = None


class MyOrder(Shape):
    code: str
    url: str
    event: OrderEvent
    status: OrderStatus
    status_label: str
    total: Money
    currency: str


class FindOrdersPageProps(PageProps):
    """Find my tickets: an email, to which the links of its orders are sent."""

    component = "Orders/Find"


class MyOrdersPageProps(PageProps):
    component = "Orders/Index"

    orders: list[MyOrder]


WaitlistLinkKind = Annotated[str, OneOf(["confirm", "unsubscribe", "offer"])]


class WaitlistLinkPageProps(PageProps):
    """A waiting-list email's link: confirm the entry or leave the list (GET shows what the
    link does and a button, POST does it), or an offer that can no longer be bought."""

    component = "Waitlist/Link"

    kind: WaitlistLinkKind
    event: EventRef
    event_url: str
    ticket_type: str
    quantity: int
    status: str = Field(description="The entry's status, as a sentence.")
    action_url: str | None = Field(description="Where the button posts; None when nothing is left to do.")
