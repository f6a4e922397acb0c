"""Storefront forms. Validation lives here; views only call them."""

from __future__ import annotations

from django import forms

from core.input import InputRulesMixin


class FindOrdersForm(InputRulesMixin, forms.Form):
    """Find my tickets: the address the order links go to (sales.order_links)."""

    email = forms.EmailField(max_length=254)
