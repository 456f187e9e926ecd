"""Follow-up pages: a patient's enrollment and reminders, completing a reminder, acknowledging an alert,
and the calendar feed. Patients and reminders are always fetched through the user-scoped selectors."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from followup import ics, selectors, services
from followup.forms import (
    ContraceptionCheckinForm,
    DiscontinueForm,
    EnrollmentChangeForm,
    EnrollmentForm,
    NoticeForm,
    PregnancyTestForm,
)
from followup.models import CalendarFeedToken, Enrollment, Reminder, ReminderKind
from patients.models import Patient
from patients.versioning import StaleVersion, show_conflict
from trial.access import role_required
from trial.form_errors import show_service_error
from trial.models import Role
from trial.protocol_versions import NoProtocolLoaded, protocol_for
from trial.selectors import has_role


def _patient(request: HttpRequest, patient_pk: int) -> Patient:
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("site__trial", "site__hospital"), pk=patient_pk)


@require_GET
@login_required
def patient_followup(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk)
    enrollment = Enrollment.objects.filter(patient=patient).first()
    return _patient_page(request, patient, enrollment, DiscontinueForm())


def _patient_page(request: HttpRequest, patient: Patient, enrollment: Enrollment | None,
                  discontinue_form: DiscontinueForm, status: int = 200) -> HttpResponse:
    active = enrollment is not None and enrollment.is_active
    is_coordinator = has_role(request.user, Role.COORDINATOR, patient.site)
    return render(request, "followup/patient.html", {
        "patient": patient,
        "enrollment": enrollment,
        "reminders": patient.reminders.all(),
        "can_enroll": is_coordinator and selectors.enrollment_allowed(patient),
        "can_change": active and is_coordinator,
        "can_discontinue": active and (is_coordinator or has_role(request.user, Role.INVESTIGATOR, patient.site)),
        "discontinue_form": discontinue_form,
    }, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def enrollment_edit(request: HttpRequest, patient_pk: int) -> HttpResponse:
    """Record the enrollment, or change it (with a reason) once recorded."""
    patient = _patient(request, patient_pk)
    enrollment = Enrollment.objects.filter(patient=patient).first()
    try:
        protocol = protocol_for(patient.site.trial)
    except NoProtocolLoaded as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("followup_patient", patient_pk=patient.pk)
    form_class = EnrollmentChangeForm if enrollment else EnrollmentForm
    bounds = selectors.enrollment_form_bounds(patient, enrollment)
    if request.method == "POST":
        form = form_class(request.POST, protocol=protocol, bounds=bounds)
        if form.is_valid():
            data = form.cleaned_data
            dates = {key: data.get(key) for key in ("dose_level", "apheresis_on", "planned_lymphodepletion_on",
                                                    "planned_infusion_on", "infused_on")}
            try:
                if enrollment:
                    services.enrollment_update(acting_user=request.user, enrollment=enrollment,
                                               version=data["version"], reason=data["reason"], **dates)
                else:
                    services.enrollment_record(acting_user=request.user, patient=patient, **dates)
            except StaleVersion as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                show_service_error(form, exc)
            else:
                messages.success(request, _("Enrollment saved; the follow-up reminders are scheduled."))
                return redirect("followup_patient", patient_pk=patient.pk)
    else:
        initial = {}
        if enrollment:
            initial = {
                # the choice value, e.g. "0.3"
                "dose_level": (str(Decimal(str(float(enrollment.dose_level))))
                               if enrollment.dose_level is not None else None),
                "apheresis_on": enrollment.apheresis_on,
                "planned_lymphodepletion_on": enrollment.planned_lymphodepletion_on,
                "planned_infusion_on": enrollment.planned_infusion_on,
                "infused_on": enrollment.infused_on,
                "version": enrollment.version,
            }
        form = form_class(initial=initial, protocol=protocol, bounds=bounds)
    status = 400 if request.method == "POST" else 200
    return render(request, "followup/enrollment_form.html",
                  {"patient": patient, "enrollment": enrollment, "form": form, "bounds": bounds}, status=status)


@require_POST
@role_required(Role.COORDINATOR, Role.INVESTIGATOR)
def enrollment_discontinue(request: HttpRequest, patient_pk: int) -> HttpResponse:
    patient = _patient(request, patient_pk)
    enrollment = get_object_or_404(Enrollment, patient=patient)
    form = DiscontinueForm(request.POST)
    if form.is_valid():
        try:
            services.enrollment_discontinue(acting_user=request.user, enrollment=enrollment,
                                            discontinued_on=form.cleaned_data["discontinued_on"],
                                            reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Discontinuation recorded; the open reminders are cancelled."))
            return redirect("followup_patient", patient_pk=patient.pk)
    return _patient_page(request, patient, enrollment, form, status=400)


def _completion_form(reminder: Reminder, data=None) -> forms.Form:
    if reminder.is_pregnancy_test:
        return PregnancyTestForm(data, initial={"tested_on": timezone.localdate()})
    if reminder.kind == ReminderKind.CONTRACEPTION_CHECKIN:
        return ContraceptionCheckinForm(data, protocol=protocol_for(reminder.patient.site.trial))
    return NoticeForm(data)


def _complete(request: HttpRequest, reminder: Reminder, data: dict) -> Reminder:
    if reminder.is_pregnancy_test:
        return services.reminder_complete_pregnancy_test(
            acting_user=request.user, reminder=reminder, result=data["result"], tested_on=data["tested_on"])
    if reminder.kind == ReminderKind.CONTRACEPTION_CHECKIN:
        return services.reminder_complete_contraception_checkin(
            acting_user=request.user, reminder=reminder, method_in_use=data["method_in_use"], method=data["method"])
    return services.reminder_complete_notice(acting_user=request.user, reminder=reminder)


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def reminder_complete(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(
        selectors.reminders_visible_to(request.user, roles=[Role.COORDINATOR]).select_related("patient__site__trial", "patient__site__hospital"),
        pk=pk,
    )
    form = _completion_form(reminder, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            _complete(request, reminder, form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("%(what)s recorded for %(patient)s.") % {
                "what": reminder.get_kind_display(), "patient": reminder.patient})
            return redirect("dashboard_coordinator")
    status = 400 if request.method == "POST" else 200
    return render(request, "followup/reminder_complete.html", {"reminder": reminder, "form": form}, status=status)


@require_POST
@role_required(Role.INVESTIGATOR)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(selectors.open_alerts_for(request.user), pk=pk)
    services.alert_acknowledge(acting_user=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged."))
    return redirect("dashboard_investigator")


# -- calendar feed -----------------------------------------------------------------------------------------------


def _calendar_page(request: HttpRequest, feed_url: str | None = None) -> HttpResponse:
    active = CalendarFeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    return render(request, "followup/calendar.html", {"active": active, "feed_url": feed_url})


@require_GET
@role_required(Role.COORDINATOR, Role.INVESTIGATOR)
def calendar_settings(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request)


@require_POST
@never_cache
@role_required(Role.COORDINATOR, Role.INVESTIGATOR)
def calendar_token_issue(request: HttpRequest) -> HttpResponse:
    token = services.calendar_token_issue(acting_user=request.user)
    # Shown in this response only: the portal keeps just the token's hash.
    feed_url = request.build_absolute_uri(reverse("followup_calendar_feed", kwargs={"token": token}))
    return _calendar_page(request, feed_url=feed_url)


@require_POST
@role_required(Role.COORDINATOR, Role.INVESTIGATOR)
def calendar_token_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_token_revoke(acting_user=request.user)
    messages.success(request, _("The calendar address is revoked; calendars using it get nothing more."))
    return redirect("followup_calendar")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics of the token owner's sites: screening number and initials only, never a name."""
    feed_token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_sha256=services.token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed_token is None:
        raise Http404("unknown or revoked calendar address")
    now = timezone.now()
    events = [
        ics.Event(
            uid=f"{reminder.idempotency_key.replace(':', '-')}@mc-1-50-portal",
            day=reminder.due_date,
            summary=f"{reminder.patient.screening_number} {reminder.patient.initials}: {reminder.get_kind_display()}"
                    + (f" (month {reminder.sequence})" if reminder.sequence else ""),
            description=f"Site {reminder.patient.site.code}; status: {reminder.get_status_display()}",
        )
        for reminder in selectors.calendar_reminders(feed_token.user, timezone.localdate(now))
    ]
    body = ics.render_calendar(name=f"{settings.PORTAL_NAME}: follow-up", events=events, generated_at=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
