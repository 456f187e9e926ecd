"""Form fields shared by the pages that filter by trial and site."""

from __future__ import annotations

from django import forms


class SiteChoiceField(forms.ModelChoiceField):
    """Sites named with their trial: a hospital running two trials has a site in each, of the same name."""

    def label_from_instance(self, site) -> str:
        return f"{site.trial.code} · {site}"
