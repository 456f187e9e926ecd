"""Clinical scores entered as their items: SLEDAI-2K descriptors and 2019 EULAR/ACR criteria.

Only the ticked codes are stored; scores are always computed by the pure calculators
(``screening.eligibility.calculators``), so a stored score can never disagree with its items.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from screening.eligibility.calculators import eular_acr_2019, sledai_2k_score
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
