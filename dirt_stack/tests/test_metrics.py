"""CloudWatch Embedded Metric Format lines, as the configured logging writes them."""

from __future__ import annotations

import json

import pytest

from core import metrics
from tests.support.processes import run_manage


def emitted_lines(code: str) -> list[dict]:
    result = run_manage(
        ["shell", "-v", "0", "-c", f"from core.metrics import emit\n{code}"], {"LOG_FORMAT": "json"}
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_emit_writes_exactly_one_valid_emf_document_per_line():
    (line,) = emitted_lines("emit('OrdersCreated', 1, PaymentMethod='stripe')")
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Maticko"
    assert directive["Dimensions"] == [["PaymentMethod"]]
    assert directive["Metrics"] == [{"Name": "OrdersCreated", "Unit": "Count"}]
    # EMF: each metric and dimension named in the directive is a top-level member.
    assert line["OrdersCreated"] == 1
    assert line["PaymentMethod"] == "stripe"
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_dimensionless_metric():
    (line,) = emitted_lines("emit('CheckoutLatency', 87.5)")
    assert line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert line["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "CheckoutLatency", "Unit": "Milliseconds"}
    ]
    assert line["CheckoutLatency"] == 87.5


def test_a_purchase_is_one_document_with_each_metric_under_its_own_dimensions():
    (line,) = emitted_lines(
        "from core.metrics import emit_many\n"
        "emit_many({'OrdersCreated': 1, 'TicketsSold': 3, 'CheckoutLatency': 12.5}, PaymentMethod='demo')"
    )
    assert line["_aws"]["CloudWatchMetrics"] == [
        {
            "Namespace": "Maticko",
            "Dimensions": [["PaymentMethod"]],
            "Metrics": [{"Name": "OrdersCreated", "Unit": "Count"}],
        },
        {
            "Namespace": "Maticko",
            "Dimensions": [[]],
            "Metrics": [
                {"Name": "TicketsSold", "Unit": "Count"},
                {"Name": "CheckoutLatency", "Unit": "Milliseconds"},
            ],
        },
    ]
    assert (line["OrdersCreated"], line["TicketsSold"], line["CheckoutLatency"]) == (1, 3, 12.5)
    assert line["PaymentMethod"] == "demo"


def test_wrong_dimensions_are_refused():
    with pytest.raises(ValueError, match="takes the dimensions"):
        metrics.emit("OrdersCreated", 1, Event="some-slug")
    with pytest.raises(KeyError):
        metrics.emit("NoSuchMetric", 1)
    with pytest.raises(ValueError, match="take the dimensions"):
        metrics.emit_many({"TicketsSold": 1, "CheckoutLatency": 2}, PaymentMethod="demo")
