"""Back-office URLs: the organizer's pages under /manage/ (namespace "backoffice"), the
account pages under /accounts/ (namespace "accounts") and the invitation link.
Mounted at the site's root."""

from django.urls import include, path, re_path

from backoffice.views import (
    account,
    dates,
    devices,
    door,
    door_app,
    emails,
    events,
    invoices,
    orders,
    questions,
    room,
    taxes,
    teams,
    two_factor,
    waitlist,
    webhooks,
    widget,
)

account_patterns = [
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("signup/", account.signup_view, name="signup"),
    path("signup/confirm/", account.signup_confirm_view, name="signup_confirm"),
    path("password/reset/", account.password_reset_view, name="password_reset"),
    path(
        "password/reset/<uidb64>/<token>/",
        account.password_reset_confirm_view,
        name="password_reset_confirm",
    ),
    path("password/change/", account.password_change_view, name="password_change"),
    # Two-factor authentication and re-authentication (backoffice/views/two_factor.py).
    path("login/two-factor/", two_factor.login_two_factor, name="login_two_factor"),
    path("security/", two_factor.security, name="security"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path("two-factor/disable/", two_factor.two_factor_disable, name="two_factor_disable"),
    path("confirm/", two_factor.reauthenticate, name="reauthenticate"),
]

manage_patterns = [
    path("", events.home, name="home"),
    path("organizers/new/", teams.organizer_create, name="organizer_create"),
    path("<slug:organizer_slug>/", events.organizer, name="organizer"),
    path("<slug:organizer_slug>/settings/", teams.organizer_settings, name="organizer_settings"),
    path("<slug:organizer_slug>/members/", teams.members, name="members"),
    path("<slug:organizer_slug>/api-tokens/", teams.api_tokens, name="api_tokens"),
    path("<slug:organizer_slug>/widget/", widget.organizer_widget, name="organizer_widget"),
    # Tax rules and the seller's details (backoffice/views/taxes.py).
    path("<slug:organizer_slug>/taxes/", taxes.tax_rules, name="tax_rules"),
    path("<slug:organizer_slug>/taxes/new/", taxes.tax_rule_create, name="tax_rule_create"),
    path("<slug:organizer_slug>/taxes/seller/", taxes.seller_settings, name="seller_settings"),
    path("<slug:organizer_slug>/taxes/<int:rule_id>/", taxes.tax_rule_update, name="tax_rule"),
    path("<slug:organizer_slug>/taxes/<int:rule_id>/delete/", taxes.tax_rule_delete, name="tax_rule_delete"),
    path("<slug:organizer_slug>/members/<int:member_id>/", teams.member_update, name="member"),
    path("<slug:organizer_slug>/invoices/", invoices.invoices, name="invoices"),
    path("<slug:organizer_slug>/invoices/settings/", invoices.invoice_settings, name="invoice_settings"),
    path("<slug:organizer_slug>/invoices/<str:invoice_id>.pdf", invoices.invoice_pdf, name="invoice_pdf"),
    path("<slug:organizer_slug>/invoices/<str:invoice_id>.xml", invoices.invoice_xml, name="invoice_xml"),
    path("<slug:organizer_slug>/webhooks/", webhooks.webhooks, name="webhooks"),
    path("<slug:organizer_slug>/webhooks/<int:endpoint_id>/", webhooks.webhook, name="webhook"),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/test/", webhooks.webhook_test, name="webhook_test"
    ),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/secret/",
        webhooks.webhook_secret,
        name="webhook_secret",
    ),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/rotate/",
        webhooks.webhook_rotate,
        name="webhook_rotate",
    ),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/replay/",
        webhooks.webhook_replay,
        name="webhook_replay",
    ),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/delete/",
        webhooks.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "<slug:organizer_slug>/webhooks/<int:endpoint_id>/deliveries/",
        webhooks.webhook_deliveries,
        name="webhook_deliveries",
    ),
    path(
        "<slug:organizer_slug>/webhooks/deliveries/<int:delivery_id>/",
        webhooks.webhook_delivery_page,
        name="webhook_delivery",
    ),
    path(
        "<slug:organizer_slug>/webhooks/deliveries/<int:delivery_id>/resend/",
        webhooks.webhook_resend,
        name="webhook_resend",
    ),
    path(
        "<slug:organizer_slug>/invitations/<int:invitation_id>/revoke/",
        teams.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<slug:organizer_slug>/events/new/", events.event_create, name="event_create"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/", events.event_edit, name="event"),
    re_path(
        r"^(?P<organizer_slug>[-\w]+)/events/(?P<event_slug>[-\w]+)/(?P<action>publish|unpublish)/$",
        events.event_status,
        name="event_status",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/cancel/", events.event_cancel, name="event_cancel"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/duplicate/",
        events.event_duplicate,
        name="event_duplicate",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/cancellation/",
        events.event_cancellation_page,
        name="event_cancellation",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/cancellation/retry/",
        events.event_cancellation_retry,
        name="event_cancellation_retry",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/room/", room.room_page, name="room"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/room/counts/",
        room.room_counts_json,
        name="room_counts",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/room/pause/", room.room_pause, name="room_pause"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/room/resume/", room.room_resume, name="room_resume"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/room/rate/", room.room_rate, name="room_rate"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/emails/", emails.email_texts_page, name="email_texts"
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/emails/reminder-hours/",
        emails.email_reminder,
        name="email_reminder",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/emails/<str:email_kind>/",
        emails.email_text_save,
        name="email_text",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/emails/<str:email_kind>/reset/",
        emails.email_text_reset,
        name="email_text_reset",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/emails/<str:email_kind>/preview/",
        emails.email_text_preview,
        name="email_text_preview",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/messages/", emails.messages_page, name="messages"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/messages/preview/",
        emails.messages_preview,
        name="messages_preview",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/waitlist/", waitlist.waitlist_page, name="waitlist"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/widget/", widget.event_widget, name="event_widget"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/taxes/", taxes.event_taxes, name="event_taxes"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/waitlist/export.csv",
        waitlist.waitlist_export,
        name="waitlist_export",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/waitlist/<str:entry_id>/offer/",
        waitlist.waitlist_offer,
        name="waitlist_offer",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/waitlist/<str:entry_id>/remove/",
        waitlist.waitlist_remove,
        name="waitlist_remove",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/",
        questions.questions_page,
        name="questions",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/settings/",
        questions.answer_settings,
        name="answer_settings",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/new/",
        questions.question_create,
        name="question_create",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/<int:question_id>/",
        questions.question_update,
        name="question",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/<int:question_id>/move/",
        questions.question_move,
        name="question_move",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/questions/<int:question_id>/delete/",
        questions.question_delete,
        name="question_delete",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/dates/", dates.dates, name="dates"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/dates/new/", dates.date_create, name="date_create"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/preview/",
        dates.dates_preview,
        name="dates_preview",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/rule/", dates.dates_from_rule, name="dates_rule"
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/dates/bulk/", dates.dates_bulk, name="dates_bulk"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/<int:date_id>/", dates.date_update, name="date"
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/<int:date_id>/move/",
        dates.date_move,
        name="date_move",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/<int:date_id>/cancel/",
        dates.date_cancel,
        name="date_cancel",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/dates/<int:date_id>/delete/",
        dates.date_delete,
        name="date_delete",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/dashboard/", orders.dashboard, name="dashboard"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/orders/", orders.order_list, name="orders"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/orders/cancel-transfers/",
        orders.cancel_transfers,
        name="cancel_transfers",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/orders/<str:code>/", orders.order_page, name="order"
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/orders/<str:code>/invoice/",
        invoices.order_invoice,
        name="order_invoice",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/orders/<str:code>/action/",
        orders.order_action,
        name="order_action",
    ),
    re_path(
        r"^(?P<organizer_slug>[-\w]+)/events/(?P<event_slug>[-\w]+)/export/(?P<kind>orders|attendees)\.csv$",
        orders.export,
        name="export",
    ),
    path("<slug:organizer_slug>/events/<slug:event_slug>/checkin/", door.scanner, name="scanner"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/checkin-lists/", door.lists, name="checkin_lists"),
    path("<slug:organizer_slug>/events/<slug:event_slug>/devices/", devices.device_list, name="devices"),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/door-status/", devices.door_status, name="door_status"
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/checkin/<int:list_id>/scan/", door.scan, name="scan"
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/checkin/<int:list_id>/search/",
        door.search,
        name="checkin_search",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/checkin/<int:list_id>/stats/",
        door.stats,
        name="checkin_stats",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/tickets/<int:ticket_id>/undo-checkin/",
        door.undo,
        name="undo_checkin",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/tickets/<int:ticket_id>/reissue/",
        door.reissue,
        name="reissue",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/vouchers/",
        events.voucher_create,
        name="voucher_create",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/vouchers/<int:voucher_id>/delete/",
        events.voucher_delete,
        name="voucher_delete",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/ticket-types/",
        events.ticket_type_create,
        name="ticket_type_create",
    ),
    path(
        "<slug:organizer_slug>/events/<slug:event_slug>/ticket-types/<int:ticket_type_id>/",
        events.ticket_type_update,
        name="ticket_type",
    ),
]

urlpatterns = [
    path("accounts/", include((account_patterns, "accounts"))),
    path("manage/", include((manage_patterns, "backoffice"))),
    path("invitations/<str:token>/", teams.invitation, name="invitation"),
    # The door scanner for paired devices (its service worker's scope is /door/).
    path("door/", door_app.door_app, name="door_app"),
    path("door/sw.js", door_app.service_worker, name="door_service_worker"),
    path("door/manifest.webmanifest", door_app.web_manifest, name="door_manifest"),
]
