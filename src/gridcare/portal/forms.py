from django import forms
from django.utils.translation import gettext_lazy as _


class RegisterForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20)
    display_name = forms.CharField(label=_("Name"), max_length=50, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)


class BindRequestForm(forms.Form):
    account_number = forms.CharField(label=_("Account number (13 digits)"), max_length=20)


class BindConfirmForm(forms.Form):
    account_number = forms.CharField(widget=forms.HiddenInput, max_length=20)
    code = forms.CharField(label=_("Verification code"), max_length=6)
