"""Forms of the accounts app. Validation lives here; views only call them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.text import slugify

from accounts.models import Membership, Organizer, User


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=200)
    email = forms.EmailField()
    password = forms.CharField(strip=False)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email already exists. Log in instead.")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class OrganizerForm(forms.ModelForm):
    class Meta:
        model = Organizer
        fields = ["name", "slug", "contact_email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["contact_email"].required = True

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))
        if not slug:
            raise forms.ValidationError("Choose a short name for the URL (letters, digits, hyphens).")
        if Organizer.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This URL name is taken; choose another.")
        return slug


class OrganizerSettingsForm(forms.ModelForm):
    class Meta:
        model = Organizer
        fields = ["name", "contact_email", "bank_transfer_details", "admit_unpaid_bank_transfers"]


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizer = organizer

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if Membership.objects.filter(organizer=self.organizer, user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member.")
        return email


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    role = forms.ChoiceField(choices=Membership.Role.choices)
    expires_at = forms.DateField(required=False, help_text="Optional last day of validity.")
