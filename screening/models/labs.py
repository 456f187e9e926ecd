"""Laboratory results and the other measured screening findings: serology, echocardiography, SpO2, the
pregnancy test, and each site's default reference ranges.

Codes (test names, units, outcomes) are the protocol catalogue's own, so the facts builder copies them
without translation; ``tests/screening/test_labs_rules.py`` checks they match MC-1-50's catalogue.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patients.models import Sex
from patients.versioning import version_bump
from screening.models.records import RecordSource, ScreeningRecord
from screening.records.rules import lab_flag
from trial.audit import audited
from trial.models import Hospital, Site


class Outcome(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


class AnaPattern(models.TextChoices):
    HOMOGENEOUS = "homogeneous", _("Homogeneous")
    SPECKLED = "speckled", _("Speckled")
    NUCLEOLAR = "nucleolar", _("Nucleolar")
    CENTROMERE = "centromere", _("Centromere")
    CYTOPLASMIC = "cytoplasmic", _("Cytoplasmic")
    MIXED = "mixed", _("Mixed")
    OTHER = "other", _("Other")


class Specimen(models.TextChoices):
    SERUM = "serum", _("Serum (blood)")
    URINE = "urine", _("Urine")


@audited
class ReferenceRange(models.Model):
    """A hospital laboratory's default reference range for one test and sex, copied onto each new result.

    The range is the hospital's, shared by its site in every trial; ``site`` is the site through which it
    was set, which places its changes in that site's audit trail. The copy on the result is what counts
    (ULN = its reference high), so changing a default never changes a result already entered."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="reference_ranges")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="reference_ranges")
    test = models.CharField(_("test"), max_length=40)  # a laboratory test code of the trial's catalogue
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    low = models.DecimalField(_("reference low"), max_digits=10, decimal_places=3, null=True, blank=True)
    high = models.DecimalField(_("reference high (ULN)"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)  # one of the catalogue's units for the test
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hospital", "test", "sex"], name="reference_range_unique_per_hospital"),
            models.CheckConstraint(condition=Q(high__gt=0), name="reference_range_high_positive"),
            models.CheckConstraint(condition=Q(low__isnull=True) | Q(low__lt=F("high")),
                                   name="reference_range_low_below_high"),
        ]
        ordering = ["hospital", "test", "sex"]
        triggers = [version_bump()]

    def __str__(self) -> str:
        low = f"{self.low:g}" if self.low is not None else ""
        return f"{self.test} ({self.get_sex_display()}): {low}-{self.high:g} {self.unit}"


@audited
class LabResult(ScreeningRecord):
    """One laboratory value, kept as entered (value and unit) with its canonical conversion and the reference
    range it is judged against (in the entered unit)."""

    # The catalogue's code and LOINC code of the test, and the unit as entered (one the catalogue accepts).
    test = models.CharField(_("test"), max_length=40)
    loinc = models.CharField(_("LOINC code"), max_length=20, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)
    # The protocol's canonical unit for the test and the value converted with the protocol's factor.
    value_canonical = models.DecimalField(_("value in canonical unit"), max_digits=14, decimal_places=4)
    canonical_unit = models.CharField(_("canonical unit"), max_length=20)
    reference_low = models.DecimalField(_("reference low"), max_digits=10, decimal_places=3, null=True, blank=True)
    reference_high = models.DecimalField(_("reference high (ULN)"), max_digits=10, decimal_places=3)
    collected_on = models.DateField(_("collection date"))
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices, default=RecordSource.SCREENING)

    class Meta(ScreeningRecord.Meta):
        constraints = [
            *ScreeningRecord.Meta.constraints,
            models.CheckConstraint(condition=Q(value__gt=0), name="lab_result_value_positive"),
            models.CheckConstraint(condition=Q(reference_high__gt=0), name="lab_result_reference_high_positive"),
            models.CheckConstraint(condition=Q(reference_low__isnull=True) | Q(reference_low__lt=F("reference_high")),
                                   name="lab_result_reference_low_below_high"),
        ]
        ordering = ["patient", "collected_on", "pk"]
        verbose_name = _("laboratory result")

    def __str__(self) -> str:
        return str(_("%(test)s %(value)s %(unit)s on %(date)s") % {
            "test": self.test, "value": format(self.value.normalize(), "f"), "unit": self.unit,  # 97, not 97.000
            "date": self.collected_on.isoformat(),
        })

    @property
    def flag(self) -> str:
        """'H' above the reference high, 'L' below the reference low (both in the entered unit)."""
        return lab_flag(self.value, self.reference_low, self.reference_high)


@audited
class SerologyResult(ScreeningRecord):
    """A qualitative test of the protocol's catalogue (ANA with titer and pattern, anti-dsDNA, HBsAg, ...):
    its catalogue code and LOINC code, and a result of the test's own vocabulary."""

    test = models.CharField(_("test"), max_length=40)
    loinc = models.CharField(_("LOINC code"), max_length=20, blank=True, default="")
    result = models.CharField(_("result"), max_length=20)
    # The denominator of the ANA titer (1:320 -> 320); ANA only.
    titer = models.PositiveIntegerField(_("titer 1:"), null=True, blank=True)
    pattern = models.CharField(_("pattern"), max_length=20, choices=AnaPattern.choices, blank=True)
    collected_on = models.DateField(_("collection date"))
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices, default=RecordSource.SCREENING)

    class Meta(ScreeningRecord.Meta):
        constraints = [
            *ScreeningRecord.Meta.constraints,
            # Which tests have a titer is the catalogue's (screening.records.services checks it); a pattern
            # is an ANA's.
            models.CheckConstraint(condition=Q(test="ana") | Q(pattern=""), name="serology_pattern_only_for_ana"),
            models.CheckConstraint(condition=Q(titer__isnull=True) | Q(titer__gt=0), name="serology_titer_positive"),
        ]
        ordering = ["patient", "collected_on", "pk"]
        verbose_name = _("serology result")

    def __str__(self) -> str:
        titer = f" 1:{self.titer}" if self.titer else ""
        return str(_("%(test)s %(result)s%(titer)s on %(date)s") % {
            "test": self.test, "result": self.result, "titer": titer,
            "date": self.collected_on.isoformat(),
        })


@audited
class EchoResult(ScreeningRecord):
    """Echocardiography: left ventricular ejection fraction."""

    lvef_percent = models.DecimalField(_("LVEF (%)"), max_digits=4, decimal_places=1)
    performed_on = models.DateField(_("date performed"))

    class Meta(ScreeningRecord.Meta):
        constraints = [
            *ScreeningRecord.Meta.constraints,
            models.CheckConstraint(condition=Q(lvef_percent__gt=0) & Q(lvef_percent__lte=100),
                                   name="echo_lvef_percentage"),
        ]
        ordering = ["patient", "performed_on", "pk"]
        verbose_name = _("echocardiography")

    def __str__(self) -> str:
        return str(_("LVEF %(percent)s%% on %(date)s") % {
            "percent": f"{self.lvef_percent:g}", "date": self.performed_on.isoformat(),
        })


@audited
class Spo2Reading(ScreeningRecord):
    """Peripheral oxygen saturation, and whether the patient was breathing room air (only that counts)."""

    percent = models.DecimalField(_("SpO2 (%)"), max_digits=4, decimal_places=1)
    room_air = models.BooleanField(_("on room air (no supplemental oxygen)"))
    measured_on = models.DateField(_("date measured"))

    class Meta(ScreeningRecord.Meta):
        constraints = [
            *ScreeningRecord.Meta.constraints,
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lte=100), name="spo2_percentage"),
        ]
        ordering = ["patient", "measured_on", "pk"]
        verbose_name = _("SpO2 reading")

    def __str__(self) -> str:
        air = _("room air") if self.room_air else _("on oxygen")
        return str(_("SpO2 %(percent)s%% (%(air)s) on %(date)s") % {
            "percent": f"{self.percent:g}", "air": air, "date": self.measured_on.isoformat(),
        })


@audited
class PregnancyTest(ScreeningRecord):
    specimen = models.CharField(_("specimen"), max_length=10, choices=Specimen.choices)
    result = models.CharField(_("result"), max_length=10, choices=Outcome.choices)
    collected_on = models.DateField(_("collection date"))

    class Meta(ScreeningRecord.Meta):
        ordering = ["patient", "collected_on", "pk"]
        verbose_name = _("pregnancy test")

    def __str__(self) -> str:
        return str(_("%(specimen)s pregnancy test %(result)s on %(date)s") % {
            "specimen": self.get_specimen_display(), "result": self.get_result_display().lower(),
            "date": self.collected_on.isoformat(),
        })


@audited
class Measurement(ScreeningRecord):
    """A measurement of the protocol's catalogue that has no panel of its own (QTc, FVC, DLCO, ...): its
    catalogue code and LOINC code, the value in the item's unit, and the flag a reading must carry to count
    (when the item has one)."""

    item = models.CharField(_("measurement"), max_length=40)
    loinc = models.CharField(_("LOINC code"), max_length=20, blank=True, default="")
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20)
    flag = models.BooleanField(_("condition of the reading"), null=True, blank=True)
    measured_on = models.DateField(_("date measured"))

    class Meta(ScreeningRecord.Meta):
        ordering = ["patient", "measured_on", "pk"]
        verbose_name = _("measurement")

    def __str__(self) -> str:
        return f"{self.item} {self.value:g} {self.unit} ({self.measured_on.isoformat()})"
