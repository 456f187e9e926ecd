"""Treatment history: the conventional SLE therapy a candidate has had (criterion I03b)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from screening.models.records import ScreeningRecord
from trial.audit import audited


# MC-1-50's classes, named for display; a trial's classes are its dictionary's (the column holds the code).
class DrugClass(models.TextChoices):
    ANTIMALARIAL = "antimalarial", _("Antimalarial")
    GLUCOCORTICOID = "glucocorticoid", _("Glucocorticoid")
    IMMUNOSUPPRESSANT = "immunosuppressant", _("Immunosuppressant")
    BIOLOGIC = "biologic", _("Biologic")


@audited
class Treatment(ScreeningRecord):
    """One drug course. The drug is one of the protocol dictionary's and its class is the dictionary's, never
    typed, so a drug cannot be counted in the wrong class."""

    drug = models.CharField(_("drug"), max_length=60)
    drug_class = models.CharField(_("class"), max_length=40)
    started_on = models.DateField(_("start date"))
    stopped_on = models.DateField(_("stop date"), null=True, blank=True)
    dose_mg_per_day = models.DecimalField(_("daily dose (mg/day)"), max_digits=8, decimal_places=2,
                                          null=True, blank=True)

    class Meta(ScreeningRecord.Meta):
        constraints = [
            *ScreeningRecord.Meta.constraints,
            models.CheckConstraint(condition=Q(stopped_on__isnull=True) | Q(stopped_on__gte=F("started_on")),
                                   name="treatment_stop_not_before_start"),
            models.CheckConstraint(condition=Q(dose_mg_per_day__isnull=True) | Q(dose_mg_per_day__gt=0),
                                   name="treatment_dose_positive"),
            models.CheckConstraint(
                condition=~Q(drug_class="glucocorticoid") | Q(dose_mg_per_day__isnull=False),
                name="treatment_glucocorticoid_has_dose",
            ),
        ]
        ordering = ["patient", "started_on", "pk"]
        verbose_name = _("treatment")

    @property
    def class_label(self) -> str:
        return str(DrugClass(self.drug_class).label) if self.drug_class in DrugClass.values else self.drug_class

    def __str__(self) -> str:
        dose = f" {self.dose_mg_per_day:g} mg/day" if self.dose_mg_per_day is not None else ""
        until = self.stopped_on.isoformat() if self.stopped_on else _("ongoing")
        return str(_("%(drug)s%(dose)s (%(start)s to %(until)s)") % {
            "drug": self.drug, "dose": dose, "start": self.started_on.isoformat(), "until": until,
        })
