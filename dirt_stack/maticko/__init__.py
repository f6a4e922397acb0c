"""Maticko: open-source event ticketing."""

__version__ = "0.1.0"
