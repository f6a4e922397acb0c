"""The on-sale room: a per-event waiting room in front of the purchase path (see README.md)."""
