"""Editable email texts (sales.email_texts), the reminder email and messages to buyers
(messaging): rendering and escaping, placeholders checked, defaults unchanged, reset and its
audit, the reminder sent once, recipients filtered exactly, delivery in batches at a bounded
rate, each message in its order's history, and the back-office pages. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from checkin.models import CheckIn, CheckInList
from messaging import services as messaging
from messaging.models import Message, MessageRecipient, Reminder
from sales import email_texts, emails, lifecycle, order_actions, pricing, purchase
from sales.audit import Actor
from sales.models import AuditEntry, EmailText, EmailTextChange, Order
from tests.factories import make_date, make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE_URL = "http://testserver/"
EVENT = "/manage/acme/events/gig"
Kind = EmailText.Kind


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.SITE_URL = BASE_URL


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme", name="Acme Events")
    starts = timezone.now() + dt.timedelta(days=30)
    event = make_event(
        organizer=organizer,
        slug="gig",
        title="Summer Gig",
        currency="EUR",
        payment_methods=["demo"],
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
    )
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50, max_per_order=5)
    vip = make_ticket_type(event, name="VIP", price=Decimal("50.00"), capacity=50, max_per_order=5)
    user = make_member(organizer, role=Membership.Role.MANAGER, email="manager@example.com")
    client = Client()
    client.force_login(user)
    return {
        "event": event,
        "date": only_date(event),
        "standard": standard,
        "vip": vip,
        "user": user,
        "client": client,
    }


def buy(shop, lines, *, name="Ana", email="ana@example.com", date=None) -> Order:
    details = pricing.BuyerDetails(name=name, email=email, payment_method="demo")
    wanted = {shop[key].pk: quantity for key, quantity in lines.items()}
    return purchase.place_order(date or shop["date"], wanted, details, base_url=BASE_URL).order


def html_of(message) -> str:
    return next(content for content, kind in message.alternatives if kind == "text/html")


# --- Rendering ---------------------------------------------------------------------------------


def test_values_never_become_markup_links_or_markdown():
    rendered = email_texts.render(
        "Hi {buyer_name}",
        "Hello **{buyer_name}**, [your order]({order_url}) and [x]({buyer_name}).",
        {
            "buyer_name": "<b>x</b> *y* [a](https://evil.example) javascript:alert(1)",
            "order_url": "https://shop.example/orders/A/s/",
        },
    )
    assert "<b>x</b>" not in rendered.html
    assert "&lt;b&gt;x&lt;/b&gt; *y* [a](https://evil.example)" in rendered.html
    assert 'href="https://evil.example"' not in rendered.html
    assert "<em>" not in rendered.html
    assert '<a href="https://shop.example/orders/A/s/"' in rendered.html
    assert "javascript:" not in rendered.html.split("</strong>", 1)[1].split(">", 1)[0]
    # The plain-text part and the subject carry the value as it is.
    assert rendered.subject == "Hi <b>x</b> *y* [a](https://evil.example) javascript:alert(1)"
    assert "Hello **<b>x</b>" in rendered.text


def test_a_value_cannot_turn_a_link_into_javascript():
    rendered = email_texts.render("s", "[click]({buyer_name})", {"buyer_name": "javascript:alert(1)"})
    assert "javascript" not in rendered.html
    assert "<a" in rendered.html  # the link's words stay, without an address


def test_organizer_html_is_sanitized_and_braces_can_be_written():
    rendered = email_texts.render("s", "<script>x()</script><img src=x onerror=y> {{literal}}", {})
    assert "<script" not in rendered.html
    assert "onerror" not in rendered.html
    assert "<img" not in rendered.html
    assert "{literal}" in rendered.html


@pytest.mark.parametrize(
    ("subject", "body", "field", "words"),
    [
        ("Hi {nope}", "ok", "subject", "Unknown placeholder {nope}"),
        ("Hi", "Buy: {offer_url}", "body", "Unknown placeholder {offer_url}"),
        ("Hi", "{event.title}", "body", "Unknown placeholder"),
        ("Hi", "{event", "body", "brace does not close"),
        ("Hi", "oops }", "body", "brace does not close"),
        ("Hi {event!r}", "ok", "subject", "takes no format"),
        ("Hi", "   ", "body", "Write something"),
        ("x" * 201, "ok", "subject", "At most 200"),
        ("Hi", "x" * 10_001, "body", "At most 10000"),
    ],
)
def test_unusable_texts_are_form_errors(subject, body, field, words):
    errors = email_texts.check(email_texts.KIND_PLACEHOLDERS[Kind.CONFIRMATION], subject, body)
    assert words in errors[field]


def test_every_default_uses_only_its_own_placeholders():
    for kind in Kind.values:
        subject, body = email_texts.DEFAULTS[kind]
        assert email_texts.check(email_texts.KIND_PLACEHOLDERS[kind], subject, body) == {}


# --- The buyer emails --------------------------------------------------------------------------


def test_without_a_text_the_confirmation_is_maticko_s_own(shop):
    buy(shop, {"standard": 1})
    [message] = mail.outbox
    assert message.subject == "Your tickets for Summer Gig"
    opening = "Hello Ana,\n\nthank you for your order. Your tickets for Summer Gig are confirmed."
    assert message.body.startswith(opening)
    assert "Total: €20.00" in message.body


def test_an_edited_confirmation_fills_placeholders_escapes_the_buyer_and_keeps_the_order(shop):
    email_texts.save(
        shop["event"],
        Kind.CONFIRMATION,
        "{buyer_name}, see you at {event}",
        "Dear **{buyer_name}**,\n\nyour {tickets} for {event} ({total}) at {venue}. "
        "[Open order {order_code}]({order_url})\n\n— {organizer}",
        actor=shop["user"],
    )
    order = buy(shop, {"standard": 2, "vip": 1}, name="<b>x</b>")
    [message] = mail.outbox
    assert message.subject == "<b>x</b>, see you at Summer Gig"
    html = html_of(message)
    assert "Dear <strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html
    assert "<b>x</b>" not in html
    assert "2 × Standard, 1 × VIP for Summer Gig (€90.00) at Town Hall" in html
    assert f'href="{BASE_URL}orders/{order.code}/{order.secret}/"' in html
    assert "— Acme Events" in html
    assert "thank you for your order" not in html
    assert "Total" in html  # the order summary stays below the organizer's words
    assert message.body.startswith("Dear **<b>x</b>**,")
    assert "Total: €90.00" in message.body
    assert message.attachments  # the PDF tickets too


def test_a_pending_order_uses_the_payment_pending_text(shop):
    order = buy(shop, {"standard": 1})
    order.status = Order.Status.PENDING
    assert emails.confirmation_kind(order) == Kind.PAYMENT_PENDING
    order.status = Order.Status.PAID
    assert emails.confirmation_kind(order) == Kind.CONFIRMATION
    order.status = Order.Status.CANCELLED
    assert emails.confirmation_kind(order) is None


def test_edited_refund_and_cancellation_texts(shop):
    email_texts.save(
        shop["event"], Kind.REFUND, "Money back: {amount}", "Hi {buyer_name}. {refund_note} ({reason})",
        actor=shop["user"],
    )  # fmt: skip
    order = buy(shop, {"standard": 2})
    mail.outbox.clear()
    lifecycle.refund(order, Decimal("20.00"), reason="Rain", actor=Actor(user=shop["user"]))
    [message] = mail.outbox
    assert message.subject == "Money back: €20.00"
    assert message.body.startswith("Hi Ana. We have refunded €20.00 of your order")
    assert "(Rain)" in message.body
    assert "Refunded so far: €20.00 of €40.00." in message.body


def test_reset_returns_to_maticko_s_text_and_both_changes_are_audited(shop):
    event, user = shop["event"], shop["user"]
    email_texts.save(event, Kind.CONFIRMATION, "Custom {event}", "Custom body", actor=user)
    assert email_texts.reset(event, Kind.CONFIRMATION, actor=user) is True
    assert email_texts.reset(event, Kind.CONFIRMATION, actor=user) is False
    assert not EmailText.objects.filter(event=event).exists()
    assert list(EmailTextChange.objects.filter(event=event).values_list("action", "actor_label")) == [
        ("reset", "manager@example.com"),
        ("saved", "manager@example.com"),
    ]
    saved = EmailTextChange.objects.get(event=event, action="saved")
    assert saved.detail["subject"] == {"before": "Your tickets for {event}", "after": "Custom {event}"}
    buy(shop, {"standard": 1})
    assert mail.outbox[-1].subject == "Your tickets for Summer Gig"


def test_saving_an_unknown_placeholder_is_refused(shop):
    with pytest.raises(email_texts.TextInvalid) as refused:
        email_texts.save(shop["event"], Kind.REFUND, "Hi", "{offer_url}", actor=shop["user"])
    assert "offer_url" in refused.value.errors["body"]
    assert not EmailText.objects.exists()


# --- The reminder ------------------------------------------------------------------------------


def test_the_reminder_goes_once_per_paid_order_when_due(shop):
    event = shop["event"]
    soon = make_date(event, starts_at=timezone.now() + dt.timedelta(hours=20))
    later_order = buy(shop, {"standard": 1}, email="later@example.com")  # its date is 30 days away
    paid = buy(shop, {"standard": 1}, name="<i>Bo</i>", email="bo@example.com", date=soon)
    cancelled = buy(shop, {"vip": 1}, email="gone@example.com", date=soon)
    order_actions.cancel(cancelled, Actor(user=shop["user"]))
    mail.outbox.clear()

    assert messaging.send_reminders() == 0  # no reminder set
    messaging.configure_reminder(event, 24)
    assert messaging.send_reminders() == 1
    assert messaging.send_reminders() == 0  # claimed: never twice
    [message] = mail.outbox
    assert message.to == ["bo@example.com"]
    assert message.subject.startswith("Reminder: Summer Gig on ")
    assert "&lt;i&gt;Bo&lt;/i&gt;" in html_of(message)
    assert "via Maticko" in message.body
    assert "Acme Events" in message.body
    assert AuditEntry.objects.filter(order=paid, action="reminder_sent").count() == 1
    assert Reminder.objects.filter(order=later_order).count() == 0


def test_a_reminder_claimed_elsewhere_is_not_sent_again(shop):
    soon = make_date(shop["event"], starts_at=timezone.now() + dt.timedelta(hours=5))
    order = buy(shop, {"standard": 1}, date=soon)
    messaging.configure_reminder(shop["event"], 6)
    # Another instance wrote and claimed the row first.
    Reminder.objects.create(order=order, date=soon, sent_at=timezone.now())
    mail.outbox.clear()
    assert messaging.send_reminders() == 0
    assert mail.outbox == []


def test_an_edited_reminder_text_is_used(shop):
    soon = make_date(shop["event"], starts_at=timezone.now() + dt.timedelta(hours=2))
    buy(shop, {"vip": 2}, date=soon)
    email_texts.save(shop["event"], Kind.REMINDER, "Soon: {event}", "Bring {tickets}.", actor=shop["user"])
    messaging.configure_reminder(shop["event"], 3)
    mail.outbox.clear()
    messaging.send_reminders()
    [message] = mail.outbox
    assert message.subject == "Soon: Summer Gig"
    assert message.body.startswith("Bring 2 × VIP.")


# --- Messages to buyers ------------------------------------------------------------------------


@pytest.fixture
def crowd(shop):
    other_date = make_date(shop["event"], starts_at=timezone.now() + dt.timedelta(days=40))
    orders = {
        "standard": buy(shop, {"standard": 1}, email="s@example.com"),
        "vip": buy(shop, {"vip": 1}, email="v@example.com"),
        "both": buy(shop, {"standard": 1, "vip": 1}, email="b@example.com"),
        "other_date": buy(shop, {"vip": 1}, email="o@example.com", date=other_date),
        "cancelled": buy(shop, {"vip": 1}, email="c@example.com"),
    }
    order_actions.cancel(orders["cancelled"], Actor(user=shop["user"]))
    door = CheckInList.objects.create(event=shop["event"], name="Door")
    CheckIn.objects.create(ticket=orders["both"].tickets.earliest("pk"), check_in_list=door)
    reverted = CheckIn.objects.create(ticket=orders["standard"].tickets.earliest("pk"), check_in_list=door)
    reverted.reverted_at = timezone.now()
    reverted.save()
    mail.outbox.clear()
    return {**orders, "other_date_id": other_date.pk}


def codes(shop, **filters) -> set[str]:
    orders = messaging.recipients(shop["event"], messaging.Filters(**filters))
    return set(orders.values_list("code", flat=True))


def test_recipients_are_filtered_exactly(shop, crowd):
    code = {name: order.code for name, order in crowd.items() if isinstance(order, Order)}
    assert codes(shop) == {code["standard"], code["vip"], code["both"], code["other_date"]}
    assert codes(shop, ticket_type_id=shop["vip"].pk) == {code["vip"], code["both"], code["other_date"]}
    assert codes(shop, date_id=shop["date"].pk, ticket_type_id=shop["vip"].pk) == {code["vip"], code["both"]}
    assert codes(shop, date_id=crowd["other_date_id"]) == {code["other_date"]}
    assert codes(shop, statuses=("cancelled",)) == {code["cancelled"]}
    assert codes(shop, checked_in="yes") == {code["both"]}
    assert codes(shop, checked_in="no") == {code["standard"], code["vip"], code["other_date"]}


def test_a_refunded_ticket_no_longer_counts_for_its_type(shop, crowd):
    both = crowd["both"]
    vip_ticket = both.tickets.get(ticket_type=shop["vip"])
    lifecycle.refund(both, tickets=[vip_ticket.pk], actor=Actor(user=shop["user"]))
    vip_buyers = codes(shop, ticket_type_id=shop["vip"].pk, statuses=tuple(Order.VALID_PAID))
    assert crowd["both"].code not in vip_buyers


def test_a_message_goes_in_batches_at_the_rate_and_into_each_order_s_history(shop, crowd, monkeypatch):
    monkeypatch.setattr(messaging, "BATCH_SIZE", 2)
    message = messaging.send(
        shop["event"], "News for {event}", "Hello {buyer_name}, doors at 7.", messaging.Filters(),
        actor=shop["user"],
    )  # fmt: skip
    assert message.recipients.count() == 4
    assert len(mail.outbox) == 2  # the first batch, right after the commit
    assert messaging.progress(message) == {"total": 4, "queued": 2, "sent": 2, "failed": 0}
    assert messaging.deliver_due() == 0  # the next batch waits its minute
    later = timezone.now() + messaging.BATCH_INTERVAL + dt.timedelta(seconds=1)
    assert messaging.deliver_due(later) == 2
    assert messaging.deliver_due(later) == 0  # claimed for this minute
    assert messaging.deliver_due(later + messaging.BATCH_INTERVAL) == 0  # nothing left
    assert len(mail.outbox) == 4
    assert messaging.progress(message) == {"total": 4, "queued": 0, "sent": 4, "failed": 0}
    expected = ["b@example.com", "o@example.com", "s@example.com", "v@example.com"]
    assert sorted(m.to[0] for m in mail.outbox) == expected
    sent = mail.outbox[0]
    assert sent.subject == "News for Summer Gig"
    assert "from Acme Events" in sent.body
    assert "unsubscribe" not in sent.body.lower()
    for name in ("standard", "vip", "both", "other_date"):
        entry = AuditEntry.objects.get(order=crowd[name], action="message_sent")
        assert entry.detail["message"] == message.pk
        assert entry.actor_label == "manager@example.com"
    assert not AuditEntry.objects.filter(order=crowd["cancelled"], action="message_sent").exists()


def test_a_failing_recipient_is_retried_then_marked_failed(shop, crowd, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    message = messaging.send(
        shop["event"], "Hi", "Hi", messaging.Filters(statuses=("cancelled",)), actor=shop["user"]
    )
    recipient = MessageRecipient.objects.get(message=message)
    from core import outbox

    for _ in range(messaging.MAX_ATTEMPTS):
        outbox.deliver_pending()
    recipient.refresh_from_db()
    assert recipient.status == "failed"
    assert recipient.attempts == messaging.MAX_ATTEMPTS
    assert "mail server down" in recipient.error
    assert messaging.progress(message)["failed"] == 1


def test_nobody_matching_writes_no_message(shop):
    with pytest.raises(email_texts.TextInvalid) as refused:
        messaging.send(shop["event"], "Hi", "Hi", messaging.Filters(), actor=shop["user"])
    assert "No buyer" in refused.value.errors["form"]
    assert not Message.objects.exists()


# --- Back office -------------------------------------------------------------------------------


def post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json", headers=INERTIA)


def test_email_texts_page_lists_every_email_with_its_default(shop):
    response = shop["client"].get(f"{EVENT}/emails/", headers=INERTIA)
    assert response.status_code == 200
    props = response.json()["props"]
    assert [t["kind"] for t in props["texts"]] == Kind.values
    confirmation = props["texts"][0]
    assert confirmation["customized"] is False
    assert confirmation["subject"] == "Your tickets for {event}"
    assert "offer_url" not in confirmation["placeholders"]
    assert props["reminder_hours"] is None


def test_saving_through_the_page_and_its_errors(shop):
    client = shop["client"]
    refused = post(client, f"{EVENT}/emails/confirmation/", {"subject": "Hi {bogus}", "body": "x"})
    assert refused.status_code == 422
    assert "bogus" in refused.json()["props"]["errors"]["subject"]
    saved = post(client, f"{EVENT}/emails/confirmation/", {"subject": "Hi {event}", "body": "Yo"})
    assert saved.status_code in (302, 303)
    assert EmailText.objects.get(event=shop["event"], kind="confirmation").subject == "Hi {event}"
    assert post(client, f"{EVENT}/emails/nonsense/", {"subject": "a", "body": "b"}).status_code == 404
    reset = post(client, f"{EVENT}/emails/confirmation/reset/", {})
    assert reset.status_code in (302, 303)
    assert not EmailText.objects.exists()


def test_preview_uses_a_real_order_or_says_it_is_a_sample(shop):
    client = shop["client"]
    body = {"subject": "For {buyer_name}", "body": "Hello {buyer_name}"}
    sample = post(client, f"{EVENT}/emails/confirmation/preview/", body).json()
    assert sample["sample"] is True
    assert sample["subject"] == "For Alex Example"
    order = buy(shop, {"standard": 1}, name="<b>x</b>")
    real = post(client, f"{EVENT}/emails/confirmation/preview/", body).json()
    assert real["sample"] is False
    assert real["order_code"] == order.code
    assert real["html"] == "<p>Hello &lt;b&gt;x&lt;/b&gt;</p>"
    refused = post(client, f"{EVENT}/emails/confirmation/preview/", {"subject": "x", "body": "{nope}"})
    assert refused.status_code == 422
    assert "nope" in refused.json()["errors"]["body"]
    assert not EmailText.objects.exists()


def test_reminder_hours_through_the_page(shop):
    client = shop["client"]
    assert post(client, f"{EVENT}/emails/reminder-hours/", {"hours_before": 0}).status_code == 422
    assert post(client, f"{EVENT}/emails/reminder-hours/", {"hours_before": 721}).status_code == 422
    assert post(client, f"{EVENT}/emails/reminder-hours/", {"hours_before": 48}).status_code in (302, 303)
    assert messaging.reminder_hours(shop["event"]) == 48
    change = EmailTextChange.objects.get(kind="reminder")
    assert change.detail == {"hours_before": {"before": None, "after": 48}}
    assert post(client, f"{EVENT}/emails/reminder-hours/", {"hours_before": ""}).status_code in (302, 303)
    assert messaging.reminder_hours(shop["event"]) is None


def test_messages_page_previews_counts_and_sends(shop, crowd):
    client = shop["client"]
    data = {
        "subject": "VIP news",
        "body": "Hello {buyer_name}",
        "date": "",
        "ticket_type": str(shop["vip"].pk),
        "statuses": ["paid", "partially_refunded"],
        "checked_in": "any",
    }
    preview = post(client, f"{EVENT}/messages/preview/", data).json()
    assert preview["recipients"] == 3
    assert preview["errors"] == {}
    bad_type = post(client, f"{EVENT}/messages/preview/", {**data, "ticket_type": "999999"})
    assert bad_type.status_code == 422
    assert "ticket_type" in bad_type.json()["errors"]
    sent = post(client, f"{EVENT}/messages/", data)
    assert sent.status_code in (302, 303)
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.com", "o@example.com", "v@example.com"]
    page = client.get(f"{EVENT}/messages/", headers=INERTIA).json()["props"]
    assert page["messages"][0]["sent"] == 3
    assert page["messages"][0]["total"] == 3


def test_a_message_page_without_statuses_is_a_form_error(shop):
    response = post(
        shop["client"],
        f"{EVENT}/messages/",
        {"subject": "x", "body": "y", "statuses": [], "checked_in": "any", "date": "", "ticket_type": ""},
    )
    assert response.status_code == 422
    assert "statuses" in response.json()["props"]["errors"]


def test_an_edited_waiting_list_offer_keeps_its_links(shop):
    from waitlist import services as waitlist
    from waitlist.models import Entry, WaitlistSettings

    event = shop["event"]
    scarce = make_ticket_type(event, name="Balcony", price=Decimal("30.00"), capacity=1)
    WaitlistSettings.objects.create(event=event, enabled=True)
    order = purchase.place_order(
        shop["date"],
        {scarce.pk: 1},
        pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo"),
        base_url=BASE_URL,
    ).order
    email_texts.save(
        event,
        Kind.WAITLIST_OFFER,
        "{quantity} × {ticket_type} for you",
        "Quick: [buy them]({offer_url}) before {offer_expires}. {total}",
        actor=shop["user"],
    )
    waitlist.join(shop["date"], scarce, "wanda@example.com", 1)
    entry = Entry.objects.get()
    waitlist.confirm(waitlist.link_token(entry, waitlist.CONFIRM_SALT))
    mail.outbox.clear()
    order_actions.refund(order, Actor(system="test"), amount=order.total)
    [offer] = [m for m in mail.outbox if m.to == ["wanda@example.com"]]
    assert offer.subject == "1 × Balcony for you"
    assert '<a href="http://testserver/waitlist/offer/' in html_of(offer)
    assert "€30.00" in offer.body
    assert "Leave the waiting list:\nhttp://testserver/waitlist/unsubscribe/" in offer.body
    assert offer.extra_headers["List-Unsubscribe"].startswith("<http://testserver/waitlist/unsubscribe/")
