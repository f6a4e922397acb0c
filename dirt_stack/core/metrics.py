"""Application metrics for Amazon CloudWatch, as Embedded Metric Format (EMF) log lines.

A line such as

    {"_aws": {"Timestamp": 1764072000000, "CloudWatchMetrics": [{"Namespace": "Maticko",
     "Dimensions": [["PaymentMethod"]], "Metrics": [{"Name": "OrdersCreated", "Unit": "Count"}]}]},
     "OrdersCreated": 1, "PaymentMethod": "stripe", ...}

written to stdout and shipped to CloudWatch Logs becomes a metric data point,
with no agent or API call in the request path. The metric names are listed in
``METRICS``; README.md ("Metrics") documents them with their dimensions.
Dimensions must stay low-cardinality (a payment method, a result), never an
order code or an event slug: each distinct combination is a separate metric.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Literal

NAMESPACE = "Maticko"

Unit = Literal["Count", "Milliseconds", "Seconds"]

# name -> (unit, dimension names)
METRICS: dict[str, tuple[Unit, tuple[str, ...]]] = {
    "OrdersCreated": ("Count", ("PaymentMethod",)),
    "TicketsSold": ("Count", ()),
    "HoldsExpired": ("Count", ()),
    "CheckoutLatency": ("Milliseconds", ()),
    "CheckIns": ("Count", ("Result",)),
    "RequestsShed": ("Count", ("Kind",)),
}

logger = logging.getLogger("maticko.metrics")


def emit(name: str, value: float, **dimensions: str) -> None:
    """Record one data point of the metric ``name``."""
    emit_many({name: value}, **dimensions)


def emit_many(values: Mapping[str, float], **dimensions: str) -> None:
    """Record data points of several metrics in one document (one log line).

    Each metric is published with the dimensions METRICS declares for it, taken
    from ``dimensions``; a metric missing one of its dimensions, or a dimension
    that none of the metrics takes, is refused.
    """
    directives: dict[tuple[str, ...], list[dict[str, str]]] = {}
    taken: set[str] = set()
    for name in values:
        unit, expected = METRICS[name]
        if not set(expected) <= set(dimensions):
            raise ValueError(f"{name} takes the dimensions {expected}, got {tuple(dimensions)}")
        taken.update(expected)
        directives.setdefault(expected, []).append({"Name": name, "Unit": unit})
    if set(dimensions) - taken:
        raise ValueError(f"{', '.join(values)} take the dimensions {tuple(taken)}, got {tuple(dimensions)}")
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": NAMESPACE, "Dimensions": [list(names)], "Metrics": metrics}
                for names, metrics in directives.items()
            ],
        },
        **values,
        **dimensions,
    }
    # The "maticko.metrics" logger writes the message alone (see LOGGING), so
    # the line is exactly the EMF document CloudWatch parses.
    logger.info(json.dumps(document, separators=(",", ":")))
