"""Sign-off forms: input validation only; the services check permissions, credentials and the result."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from screening.models import DecisionVerdict


class DecisionForm(forms.Form):
    criterion_code = forms.CharField(max_length=16, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Decision"), choices=DecisionVerdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if not comment:
            raise forms.ValidationError(_("Give the reason for the decision."))
        return comment


class SignatureForm(forms.Form):
    printed_name = forms.CharField(
        label=_("Printed name"), max_length=200,
        help_text=_("Your name as it will appear with the signature, on the page and in the PDF: in pinyin or in "
                    "Chinese characters, as on your account."),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label=_("Authentication code"), max_length=16, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )
    # The hash of the result the page showed: a result that changed meanwhile is not signed unseen.
    # Not required here: the signing service refuses a request without it, and its refusal is shown above
    # the form (an error on a hidden field would be shown next to nothing).
    shown_sha256 = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    # The language the page showed the meaning in: the signature stores the meaning in it.
    language = forms.ChoiceField(choices=settings.LANGUAGES, required=False, widget=forms.HiddenInput)
