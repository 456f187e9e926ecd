"""The trial, its sites, who works where in which role, and the loaded protocol versions."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from trial.audit import append_only, audited, event_meta


@audited
class Trial(models.Model):
    code = models.CharField(max_length=32, unique=True)  # the protocol's id, e.g. MC-1-50
    title = models.CharField(max_length=300)
    registry_id = models.CharField(max_length=32, blank=True)  # e.g. NCT06892145
    sponsor = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.code


@audited
class Hospital(models.Model):
    """A hospital: one record however many trials it runs. Its name, place, time zone and language are
    shared by its site in each trial, as are its laboratory's reference ranges."""

    name = models.CharField(_("name"), max_length=200)
    # The name in Chinese, shown in the Chinese interface (empty: the name above in both).
    name_zh = models.CharField(_("name in Chinese"), max_length=200, blank=True, default="", db_default="")
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans",
    )

    class Meta:
        verbose_name = _("hospital")
        constraints = [models.UniqueConstraint(fields=["name", "city"], name="hospital_name_city_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    @property
    def shown_name(self) -> str:
        """The name in the reader's language: 安徽省立医院 in the Chinese interface, where the file has it."""
        return self.name_zh if self.name_zh and (get_language() or "").startswith("zh") else self.name


class SiteManager(models.Manager):
    # The base manager too (Meta.base_manager_name): ``patient.site`` brings its hospital and trial in the same
    # query, so reading a site's name, time zone or trial code never costs a second one.
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("hospital", "trial")


@audited
class Site(models.Model):
    """A hospital's participation in one trial: the trial's site number and the staff delegated to it."""

    trial = models.ForeignKey(Trial, verbose_name=_("trial"), on_delete=models.PROTECT, related_name="sites")
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("hospital"), on_delete=models.PROTECT, related_name="sites",
    )
    number = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Prefix of the site's screening numbers, e.g. 1 for 01-0007."),
    )

    objects = SiteManager()

    class Meta:
        verbose_name = _("site")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="site_number_unique_per_trial"),
            models.UniqueConstraint(fields=["trial", "hospital"], name="site_one_per_hospital_and_trial"),
        ]
        ordering = ["trial", "number"]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name}"

    @property
    def code(self) -> str:
        return f"{self.number:02d}"

    # What belongs to the hospital, read through its site in a trial.
    name = property(lambda site: site.hospital.shown_name)
    city = property(lambda site: site.hospital.city)
    time_zone = property(lambda site: site.hospital.time_zone)
    default_language = property(lambda site: site.hospital.default_language)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    MONITOR = "monitor", _("Monitor")


@audited
class StaffRole(models.Model):
    """A staff member's role at one site; one person may hold roles at several sites."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="site_roles",
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("staff role")
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.site}"


@audited
class StaffPreference(models.Model):
    """A staff member's own settings; for now the interface language (else the site's default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="preference")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


@audited
class StaffName(models.Model):
    """A staff member's name in Chinese characters. The account's first and last names hold it in pinyin
    (Li Wei); signing accepts either, as each person writes their own name in one script (李伟)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chinese_name")
    name = models.CharField(_("name in Chinese characters"), max_length=60)

    class Meta:
        verbose_name = _("name in Chinese characters")

    def __str__(self) -> str:
        return self.name


@audited(exclude=("content",))
class ProtocolVersion(models.Model):
    """One loaded version of the protocol data file. Never changed once stored: a changed file is a
    new version, so a signature can always name exactly the criteria it was evaluated against. Loading one
    is audited (who, from where, why); the event names the content by its hash, not by a copy of the file."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="protocol_versions")
    number = models.PositiveIntegerField()  # 1, 2, 3 ... in load order
    label = models.CharField(max_length=32)  # the version string inside the file
    effective_on = models.DateField()
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")  # None: loaded by a command (deployment, demo set-up)
    source = models.CharField(max_length=300, blank=True)  # the file it came from
    reason = models.TextField(blank=True)  # why it was activated (required in the admin)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="protocol_version_number_unique"),
            models.UniqueConstraint(fields=["trial", "sha256"], name="protocol_version_content_unique"),
        ]
        triggers = append_only()
        get_latest_by = "number"

    def __str__(self) -> str:
        return f"{self.trial.code} v{self.label} (#{self.number})"


class AuthEvent(models.Model):
    """Logins, logouts and failed logins: an append-only record of who tried to get in, from where."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGOUT = "logout", _("Logout")
        LOGIN_FAILED = "login_failed", _("Failed login")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Authenticator enrolled")
        TWO_FACTOR_RESET = "2fa_reset", _("Second factor reset by an administrator")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    username = models.CharField(max_length=150)  # as typed, also for failed logins of unknown names
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        triggers = append_only()
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # The password hash is a secret and last_login changes at every login: both stay out.
    exclude=["password", "last_login"],
    append_only=True,
    model_name="UserEvent",
    meta=event_meta(),
)
class TrackedUser(get_user_model()):
    """Staff accounts decide who may see and sign what, so their history is audited too. A proxy,
    as pghistory's docs advise for models of another app: the triggers live in this app's migrations."""

    class Meta:
        proxy = True
        verbose_name = _("user account")


# Models of the monitor side, kept in their own modules by topic and registered here with the app.
from trial.audit.ledger import AuditEntry, VerificationRun  # noqa: E402,F401
from trial.audit.monitoring import DataQuery, Verification  # noqa: E402,F401
from trial.validation.records import ValidationDocument, ValidationReport  # noqa: E402,F401
