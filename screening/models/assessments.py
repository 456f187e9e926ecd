"""Clinical scores entered as their items: SLEDAI-2K descriptors, 2019 EULAR/ACR criteria, and the criteria
of the other classification instruments of the registry (ACR 1997, SLICC 2012).

Only the ticked codes are stored; scores are always computed by the pure calculators
(``screening.eligibility.calculators``), so a stored score can never disagree with its items.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from screening.eligibility.calculators import eular_acr_2019, sledai_2k_score
from screening.eligibility.instruments import INSTRUMENTS
from screening.models.records import ScreeningRecord
from trial.audit import audited


@audited
class SledaiAssessment(ScreeningRecord):
    """SLEDAI-2K: the descriptors present in the 10 days before the assessment date."""

    assessed_on = models.DateField(_("assessment date"))
    descriptors = ArrayField(models.CharField(max_length=40), blank=True, default=list,
                             verbose_name=_("descriptors present"))

    class Meta(ScreeningRecord.Meta):
        ordering = ["patient", "assessed_on", "pk"]
        verbose_name = _("SLEDAI-2K assessment")

    def __str__(self) -> str:
        return str(_("SLEDAI-2K %(score)s on %(date)s") % {"score": self.score, "date": self.assessed_on.isoformat()})

    @property
    def score(self) -> int:
        return sledai_2k_score(self.descriptors).score


@audited
class EularAcrAssessment(ScreeningRecord):
    """2019 EULAR/ACR classification: the entry criterion and the criteria ever present ("ever" findings,
    so the engine applies no window; the latest assessment entered counts)."""

    assessed_on = models.DateField(_("assessment date"))
    ana_ever_1_80_hep2 = models.BooleanField(_("ANA ≥ 1:80 on HEp-2 cells ever (entry criterion)"))
    criteria = ArrayField(models.CharField(max_length=60), blank=True, default=list,
                          verbose_name=_("criteria present"))

    class Meta(ScreeningRecord.Meta):
        ordering = ["patient", "assessed_on", "pk"]
        verbose_name = _("2019 EULAR/ACR assessment")

    def __str__(self) -> str:
        return str(_("2019 EULAR/ACR %(score)s points on %(date)s") % {
            "score": self.score, "date": self.assessed_on.isoformat(),
        })

    @property
    def score(self) -> int:
        return eular_acr_2019(self.ana_ever_1_80_hep2, self.criteria).score


@audited
class Classification(ScreeningRecord):
    """A classification instrument of the registry without a panel of its own (ACR 1997, SLICC 2012): the
    criteria ever present and the instrument's yes/no flags (SLICC's biopsy-proven lupus nephritis). "Ever"
    findings: no window applies; the newest assessment of an instrument counts."""

    instrument = models.CharField(_("instrument"), max_length=32)  # a name of screening.eligibility.instruments
    assessed_on = models.DateField(_("assessment date"))
    criteria = ArrayField(models.CharField(max_length=60), blank=True, default=list,
                          verbose_name=_("criteria present"))
    flags = models.JSONField(_("flags"), default=dict, blank=True)

    class Meta(ScreeningRecord.Meta):
        ordering = ["patient", "assessed_on", "pk"]
        verbose_name = _("classification")

    def __str__(self) -> str:
        return str(_("%(instrument)s: %(count)s criteria on %(date)s") % {
            "instrument": self.title, "count": len(self.criteria), "date": self.assessed_on.isoformat()})

    @property
    def title(self) -> str:
        instrument = INSTRUMENTS.get(self.instrument)
        return instrument.title if instrument else self.instrument

    @property
    def outcome(self):
        """What the instrument concludes from the criteria (computed, never stored)."""
        instrument = INSTRUMENTS.get(self.instrument)
        return instrument.judge(tuple(self.criteria), self.flags, {}) if instrument and instrument.judge else None
