"""The frontend's types come from the server's schemas, and the two cannot drift apart.

Every page the suite renders is also checked against its props schema
(tests/conftest.py, tests/support/page_contract.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pytest
from django.contrib.messages.constants import DEFAULT_TAGS
from django.core.management import call_command
from openapi_spec_validator import validate

from api.frontend_schema import PAGES_COMPONENT, shapes
from core.schemas import FlashMessage, PageProps
from storefront import schemas as storefront_schemas
from storefront.serializers import SaleState
from tests.support.page_contract import page_violations

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


def _page_components() -> set[str]:
    pages = FRONTEND / "src" / "pages"
    return {path.relative_to(pages).with_suffix("").as_posix() for path in pages.rglob("*.tsx")}


def _export(tmp_path: Path) -> dict[str, Any]:
    output = tmp_path / "openapi.json"
    call_command("export_frontend_schema", output=output)
    return json.loads(output.read_text())


def test_each_page_component_has_one_props_schema():
    shapes()  # imports every app's schemas module, as the export does
    assert set(PageProps.pages) == _page_components()


def test_the_export_is_one_openapi_3_1_document_of_the_api_and_the_pages(tmp_path):
    document = _export(tmp_path)

    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/events/{slug}/orders" in document["paths"]
    components = document["components"]["schemas"]
    pages = components[PAGES_COMPONENT]
    assert set(pages["properties"]) == _page_components()
    assert pages["properties"]["Orders/Show"] == {"$ref": "#/components/schemas/OrderPageProps"}
    # One order shape: the order page's props and the purchase API's answer name the same schema.
    assert components["OrderPageProps"]["properties"]["order"] == {"$ref": "#/components/schemas/OrderDetail"}
    purchase = document["paths"]["/api/v1/events/{slug}/orders"]["post"]["responses"]["201"]
    assert purchase["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/OrderDetail"}
    # Money travels as a string.
    assert components["OrderDetail"]["properties"]["total"]["type"] == "string"


def test_the_export_is_the_same_every_time(tmp_path):
    first = (tmp_path / "a.json", tmp_path / "b.json")
    for path in first:
        call_command("export_frontend_schema", output=path)
    assert first[0].read_text() == first[1].read_text()


@pytest.mark.skipif(
    not (FRONTEND / "node_modules" / ".bin" / "openapi-typescript").exists() or not shutil.which("node"),
    reason="needs the frontend's npm packages (dirt_stack/setup.sh)",
)
def test_the_committed_typescript_types_are_current():
    """What `make lint` checks: src/generated/schema.d.ts is what the schemas generate now."""
    result = subprocess.run(
        ["bash", str(FRONTEND / "scripts" / "types.sh"), "--check"],
        env={**os.environ, "VENV": str(Path(sys.executable).parent.parent)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize(
    ("allowed", "values"),
    [
        (
            get_args(storefront_schemas.SaleState)[1].values,
            [value for name, value in vars(SaleState).items() if name.isupper()],
        ),
        (get_args(FlashMessage.model_fields["level"].annotation), DEFAULT_TAGS.values()),
    ],
    ids=["sale state", "flash level"],
)
def test_the_schemas_listed_values_are_the_ones_the_server_sends(allowed, values):
    assert set(allowed) == set(values)


def test_a_value_outside_the_models_choices_is_refused():
    event = {
        "slug": "gig",
        "title": "Gig",
        "date_id": 1,
        "starts_at": dt.datetime(2031, 6, 1, 18, 0, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2031, 6, 1, 21, 0, tzinfo=dt.UTC),
        "admission_at": None,
        "timezone": "UTC",
        "venue": "Hall",
        "date_status": "on_sale",
        "url": "/events/gig/?date=1",
    }
    assert storefront_schemas.OrderEvent.model_validate({**event, "status": "published"})
    with pytest.raises(ValueError, match="'draft', 'published' or 'cancelled'"):
        storefront_schemas.OrderEvent.model_validate({**event, "status": "postponed"})
    with pytest.raises(ValueError, match="'on_sale', 'sold_out' or 'cancelled'"):
        storefront_schemas.OrderEvent.model_validate({**event, "status": "published", "date_status": "moved"})


def test_money_and_times_keep_their_wire_format():
    tokyo = dt.datetime(2031, 6, 2, 3, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    utc = dt.datetime(2031, 6, 1, 18, 0, 0, 123456, tzinfo=dt.UTC)
    line = storefront_schemas.OrderLine(
        ticket_type="GA",
        quantity=2,
        unit_price=Decimal("12.5"),
        discount=Decimal("0"),
        total=Decimal("25"),
        tax_rate="19.00",
        tax_amount=Decimal("3.99"),
        tax_treatment="vat",
    )
    assert line.model_dump(mode="json") == {
        "ticket_type": "GA",
        "quantity": 2,
        "unit_price": "12.50",
        "discount": "0.00",
        "total": "25.00",
        "tax_rate": "19.00",
        "tax_amount": "3.99",
        "tax_treatment": "vat",
    }
    event = storefront_schemas.CheckoutEvent(
        slug="gig",
        title="Gig",
        date_id=1,
        starts_at=tokyo,
        ends_at=tokyo + dt.timedelta(hours=2),
        admission_at=None,
        timezone="Asia/Tokyo",
        venue="Hall",
        status="published",
        date_status="on_sale",
        url="/events/gig/?date=1",
        collect_attendee_names=False,
    )
    assert event.model_dump(mode="json")["starts_at"] == "2031-06-02T03:00:00+09:00"
    event = event.model_copy(update={"starts_at": utc})
    assert event.model_dump(mode="json")["starts_at"] == "2031-06-01T18:00:00.123456+00:00"


def _page(component: str, props: dict[str, Any]) -> dict[str, Any]:
    shared = {
        "app": {"name": "Maticko", "version": "1"},
        "auth": {"user": None},
        "errors": {},
        "embed": False,
        "locale": "en",
        "locales": [{"code": "en", "name": "English"}],
    }
    return {"component": component, "props": {**shared, **props}}


def test_the_page_check_accepts_what_the_schema_sends_and_catches_the_rest():
    sent: dict[str, Any] = {"orders": []}
    assert page_violations(_page("Orders/Index", sent)) == []

    assert page_violations(_page("Orders/Nowhere", sent))  # a page without a schema
    assert page_violations(_page("Orders/Index", {}))  # a missing prop
    assert page_violations(_page("Orders/Index", {**sent, "extra": 1}))  # an undeclared prop
    row = {
        "code": "ABC123",
        "url": "/orders/ABC123/secret/",
        "event": {
            "slug": "gig",
            "title": "Gig",
            "date_id": 1,
            "starts_at": "2031-06-02T03:00:00+09:00",
            "ends_at": "2031-06-02T05:00:00+09:00",
            "admission_at": None,
            "timezone": "Asia/Tokyo",
            "venue": "Hall",
            "status": "published",
            "date_status": "on_sale",
            "url": "/events/gig/?date=1",
        },
        "status": "paid",
        "status_label": "Paid",
        "total": "25.00",
        "currency": "EUR",
    }
    assert page_violations(_page("Orders/Index", {"orders": [row]})) == []
    assert page_violations(_page("Orders/Index", {"orders": [{**row, "total": 25}]}))  # money as a number
    assert page_violations(_page("Orders/Index", {"orders": [{**row, "status": "lost"}]}))
    broken_shared = _page("Orders/Index", sent)
    del broken_shared["props"]["auth"]
    assert page_violations(broken_shared)


def test_a_request_refused_before_the_middleware_still_gets_the_props_the_layout_reads(client, settings):
    settings.ALLOWED_HOSTS = ["tickets.example.com"]
    response = client.get("/", headers={"host": "10.0.11.27:8000", "X-Inertia": "true"})
    assert response.status_code == 400
    page = response.json()
    assert page["component"] == "Error"
    assert page["props"]["auth"] == {"user": None}
    assert page["props"]["app"]["name"] == "Maticko"
