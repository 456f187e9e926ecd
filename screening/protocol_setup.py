"""Protocol set-up without a shell: the sponsor admin uploads a protocol file in the admin, sees its errors
by key path or its difference against the version it follows, and activates it with a reason.

Activation is ``trial.protocol_versions.protocol_version_load``, as for ``manage.py load_protocol``: the same
validation, the version stored append-only and audited (who, file, reason), and the amendment rules: a
version already in effect re-checks every valid signature of the trial at once (one whose verdict changes
is superseded), one effective later on the day it takes effect. The uploaded text travels from the preview
to the activation in the form, with its SHA-256: what is activated is exactly what was previewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from screening.eligibility import Protocol, ProtocolError, load_protocol_text
from screening.eligibility.protocol_diff import ProtocolDiff, protocol_diff
from screening.models import EligibilitySignature, SignatureStatus
from trial.admin import ReadOnlyAdmin
from trial.models import ProtocolVersion, Trial
from trial.protocol_versions import protocol_version_load

MAX_FILE_BYTES = 1_000_000  # a protocol file is a few dozen kB


@dataclass(frozen=True)
class Preview:
    protocol: Protocol
    text: str
    sha256: str
    trial: Trial | None  # None: the file's trial is new to the portal
    against: ProtocolVersion | None  # the latest stored version of that trial, which the file follows
    already: ProtocolVersion | None  # the same content is stored already: nothing to activate
    diff: ProtocolDiff
    warnings: list[str]


def protocol_preview(text: str, *, today: dt.date, source: str = "upload") -> Preview:
    """What activating ``text`` would do. Raises ``ProtocolError`` (naming the key) on an invalid file."""
    protocol = load_protocol_text(text, source=source)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    trial = Trial.objects.filter(code=protocol.id).first()
    versions = ProtocolVersion.objects.filter(trial=trial) if trial else ProtocolVersion.objects.none()
    against = versions.order_by("-number").first()
    already = versions.filter(sha256=digest).first()
    warnings = []
    if against is not None and already is None:
        if against.label == protocol.version:
            warnings.append(_(
                "Version %(label)s is already loaded with other content: an amendment normally carries a new "
                "version label, which the signatures will name.") % {"label": protocol.version})
        if protocol.effective_date < against.effective_on:
            warnings.append(_(
                "It takes effect on %(new)s, before the version it follows (%(old)s).") % {
                "new": protocol.effective_date.isoformat(), "old": against.effective_on.isoformat()})
    if already is None and trial is not None and protocol.effective_date <= today:
        valid = EligibilitySignature.objects.filter(
            patient__site__trial=trial, status=SignatureStatus.VALID).count()
        if valid:
            warnings.append(_(
                "It takes effect at once: the %(count)d valid eligibility signatures of %(trial)s are re-checked "
                "on activation, and each one whose verdict changes is superseded.") % {
                "count": valid, "trial": trial.code})
    diff = protocol_diff(against.content if against else None, text)
    for subject in diff.subjects:
        for base, changed, unchanged in subject.one_sided:
            warnings.append(_(
                "%(subject)s: the wording (%(key)s) changed in %(changed)s but not in %(unchanged)s: check that "
                "both languages still say the same.") % {
                "subject": subject.subject, "key": base, "changed": ", ".join(changed),
                "unchanged": ", ".join(unchanged)})
    return Preview(protocol, text, digest, trial, against, already, diff, warnings)


def unix_lines(text: str) -> str:
    """Line ends as "\n": a browser sends the previewed text back with "\r\n" (form encoding), and a file
    saved on Windows has them; the stored version and its hash are of one spelling, whatever the editor."""
    return text.replace("\r\n", "\n")


class ProtocolUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Protocol file (TOML)"))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than %(limit)d kB: is it a protocol file?") % {
                "limit": MAX_FILE_BYTES // 1000})
        try:
            return unix_lines(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text: save the protocol file as UTF-8.")) from None


class ProtocolActivateForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, strip=False)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=200, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason for activating this version"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean_content(self) -> str:
        return unix_lines(self.cleaned_data["content"])

    def clean(self) -> dict:
        data = super().clean()
        content = data.get("content")
        if content is not None and hashlib.sha256(content.encode("utf-8")).hexdigest() != data.get("sha256"):
            raise forms.ValidationError(_("The file changed after the preview: upload it again."))
        return data


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(ReadOnlyAdmin):
    list_display = ["trial", "number", "label", "effective_on", "loaded_at", "loaded_by", "reason", "sha256"]
    list_filter = ["trial"]
    change_list_template = "admin/trial/protocolversion/change_list.html"

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="trial_protocolversion_upload"),
                *super().get_urls()]

    def upload_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied  # sponsor admins only: a protocol decides every verdict
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Upload a protocol file")}
        upload = ProtocolUploadForm()
        if request.method == "POST" and "reason" in request.POST:
            activate = ProtocolActivateForm(request.POST)
            if activate.is_valid():
                return self._activate(request, activate.cleaned_data)
            return self._preview_page(request, context, activate.data.get("content", ""),
                                      activate.data.get("filename", ""), activate)
        if request.method == "POST":
            upload = ProtocolUploadForm(request.POST, request.FILES)
            if upload.is_valid():
                name = request.FILES["file"].name[:200]
                return self._preview_page(request, context, upload.cleaned_data["file"], name)
        return TemplateResponse(request, "admin/trial/protocolversion/upload.html",
                                {**context, "upload": upload}, status=400 if upload.errors else 200)

    def _preview_page(self, request, context, text: str, filename: str, activate=None):
        try:
            preview = protocol_preview(text, today=dt.date.today(), source=filename or "upload")
        except ProtocolError as error:
            return TemplateResponse(request, "admin/trial/protocolversion/upload.html", {
                **context, "upload": ProtocolUploadForm(), "error": error, "filename": filename}, status=400)
        activate = activate or ProtocolActivateForm(initial={
            "content": preview.text, "sha256": preview.sha256, "filename": filename})
        return TemplateResponse(request, "admin/trial/protocolversion/preview.html", {
            **context, "preview": preview, "activate": activate, "filename": filename,
            "sections": [(_("Criteria"), preview.diff.of("criteria")),
                         (_("Data items"), preview.diff.of("data items")),
                         (_("Settings"), preview.diff.of("settings"))],
        }, status=400 if activate.errors else 200)

    def _activate(self, request, data):
        source = f"admin upload of {data['filename'] or 'a file'}"
        try:
            result = protocol_version_load(text=data["content"], source=source, acting_user=request.user,
                                           reason=data["reason"].strip())
        except ProtocolError as error:  # the preview validated it; only a changed file gets here
            messages.error(request, _("Not activated: %(error)s") % {"error": error})
            return redirect(reverse("admin:trial_protocolversion_upload"))
        version = result.version
        if result.created:
            messages.success(request, _("%(version)s is stored and takes effect on %(date)s.") % {
                "version": version, "date": version.effective_on.isoformat()})
        else:
            messages.info(request, _("Unchanged: %(version)s is already stored with this content.") % {
                "version": version})
        return redirect(reverse("admin:trial_protocolversion_changelist"))
