"""The 2019 EULAR/ACR classification criteria for SLE: the entry criterion and the criteria ever present,
scored live with the criterion that counts in each domain. They are "ever" findings: the latest assessment
counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.forms import DateInput, yes_no, yes_no_field
from patients.models import Patient
from screening.eligibility import Protocol
from screening.eligibility.calculators import EULAR_ACR_2019_CRITERIA, eular_acr_2019
from screening.eligibility.general.messages import message, render
from screening.eligibility.instruments import INSTRUMENTS
from screening.instrument_names import EULAR_DOMAIN_LABELS, EULAR_LABELS
from screening.models import EularAcrAssessment
from screening.records import rules
from screening.records.form_data import all_of, first_of, instrument_param
from screening.records.forms import RecordForm, ticked
from screening.records.kinds.base import Facts, RecordKind, one, single

FIELDS = ("assessed_on", "ana_ever_1_80_hep2", "criteria")


class EularAcrForm(RecordForm):
    slug = "eular"
    record_fields = FIELDS
    assessed_on = forms.DateField(label=_("Assessment date"), widget=DateInput)
    ana_ever_1_80_hep2 = yes_no_field(_("Entry criterion: ANA ≥ 1:80 on HEp-2 cells (ever)"))
    criteria = forms.MultipleChoiceField(
        label=_("Criteria ever present"), required=False,
        choices=[(code, EULAR_LABELS[code]) for code in EULAR_ACR_2019_CRITERIA],
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def initial_of(cls, record) -> dict[str, Any]:
        return {**super().initial_of(record), "ana_ever_1_80_hep2": yes_no(record.ana_ever_1_80_hep2)}

    def clean(self) -> dict:
        data = super().clean()
        self.check_date("assessed_on")
        return data

    def domains(self) -> list[tuple[str, bool, list[tuple[str, str, int, str, bool]]]]:
        """Criteria by domain: (domain label, clinical, [(code, label, weight, html id, ticked)])."""
        chosen = ticked(self, "criteria")
        return [
            (EULAR_DOMAIN_LABELS[domain], clinical,
             [(c.code, EULAR_LABELS[c.code], c.weight, self.auto_id % f"criteria_{c.code}", c.code in chosen)
              for c in criteria])
            for domain, clinical, criteria in rules.eular_domains()
        ]


def prepare(patient: Patient, protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    if unknown := rules.unknown_codes(values["criteria"], EULAR_ACR_2019_CRITERIA):
        raise ValidationError({
            "criteria": gettext("Unknown 2019 EULAR/ACR criterion/criteria: %(codes)s.") % {
                "codes": ", ".join(unknown)},
        })
    return {**values, "criteria": list(dict.fromkeys(values["criteria"]))}


@dataclass(frozen=True)
class DomainRow:
    domain: str
    clinical: bool
    counted: str  # the criterion that counts, '' if none ticked
    weight: int
    ignored: list[str]  # ticked criteria of the domain that do not count (a higher one does)


def preview(data: QueryDict | dict, protocol: Protocol, patient: Patient) -> dict[str, Any]:
    """The score, the criterion that counts in each domain, and whether the candidate is classified."""
    codes = [code for code in all_of(data, "criteria") if code in EULAR_ACR_2019_CRITERIA]
    entry_raw = first_of(data, "ana_ever_1_80_hep2")
    entry = entry_raw == "yes" if entry_raw in ("yes", "no") else None
    minimum = instrument_param(protocol, "eular_acr_2019", "min_points")
    result = eular_acr_2019(bool(entry), codes, minimum) if minimum is not None else eular_acr_2019(bool(entry), codes)
    rows = []
    for domain, clinical, criteria in rules.eular_domains():
        counted = result.counted.get(domain)
        chosen = [c.code for c in criteria if c.code in codes]
        rows.append(DomainRow(
            EULAR_DOMAIN_LABELS[domain], clinical,
            EULAR_LABELS[counted.code] if counted else "", counted.weight if counted else 0,
            [EULAR_LABELS[code] for code in chosen if not counted or code != counted.code],
        ))
    # The instrument's reasons are message ids, translated like the engine's evidence.
    judged = INSTRUMENTS["eular_acr_2019"].judge(
        tuple(codes), {"ana_ever_1_80_hep2": True if entry is None else entry},
        {} if minimum is None else {"min_points": minimum})
    reasons = [render(message(reason), gettext) for reason in judged.reasons]
    if entry is None:
        reasons = [gettext("entry criterion not answered"), *reasons]
    return {"score": result.score, "rows": rows, "classified": entry is not None and result.classified,
            "reasons": reasons, "minimum": minimum}


def facts(records: list[EularAcrAssessment], protocol: Protocol | None, evaluated_on: date) -> Facts:
    latest = single(records, "assessed_on", date.max)
    return one("eular_acr_2019", latest, lambda eular: {
        "ana_ever_1_80_hep2": eular.ana_ever_1_80_hep2, "criteria": list(eular.criteria)})


KIND = RecordKind(
    slug="eular", model=EularAcrAssessment, title=_("2019 EULAR/ACR classification"), fields=FIELDS,
    date_field="assessed_on", form=EularAcrForm, prepare=prepare,
    needed=lambda protocol: "eular_acr_2019" in protocol.catalogue.instruments,
    facts=facts, facts_order=("pk",), preview=preview,
    item_names=lambda protocol: {code: str(label) for code, label in EULAR_LABELS.items()},  # the summary names the ticked codes
)
