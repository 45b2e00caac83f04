from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gridcare.customers.choices import ConsentPurpose, ContactChannel


class SignupCodeForm(forms.Form):
    """Registration, step 1: the mobile number the code goes to."""

    mobile = forms.CharField(label=_("Mobile number"), max_length=20)


class RegisterForm(forms.Form):
    """Registration, step 2: the code, the password twice, the agreement."""

    mobile = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=6)
    display_name = forms.CharField(label=_("Name"), max_length=50, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput, min_length=8
    )
    accept_agreement = forms.BooleanField(
        label=_("I have read and accept the user agreement and the privacy policy"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password and data.get("password_again") and password != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        elif password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class BindRequestForm(forms.Form):
    account_number = forms.CharField(label=_("Account number (13 digits)"), max_length=20)


class BindConfirmForm(forms.Form):
    account_number = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=6)


class PreferencesForm(forms.Form):
    """通知偏好: channels in the order given, e-mail, quiet hours, consent per purpose."""

    channels = forms.MultipleChoiceField(
        label=_("Reach me by"),
        choices=ContactChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in ConsentPurpose.choices:
            self.fields[f"consent_{value}"] = forms.BooleanField(label=label, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "email" in (data.get("channels") or []) and not data.get("email"):
            self.add_error("email", _("Give an e-mail address to be reached by e-mail."))
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            self.add_error("quiet_end", _("Give both ends of the quiet hours, or neither."))
        return data
