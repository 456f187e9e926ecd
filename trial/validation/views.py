"""The stored validation reports, for sponsor admins and monitors: the list, and each file as stored."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from trial.access import audit_reader_required
from trial.validation.records import ValidationDocument, ValidationReport

_CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@require_GET
@audit_reader_required
def report_list(request: HttpRequest) -> HttpResponse:
    # The list shows each file's hash and link, never its content: the files are read only when downloaded.
    documents = Prefetch("documents", queryset=ValidationDocument.objects.defer("content"))
    reports = ValidationReport.objects.prefetch_related(documents)[:50]
    return render(request, "validation/list.html", {"reports": reports})


@require_GET
@audit_reader_required
def report_file(request: HttpRequest, pk: int, language: str, kind: str) -> HttpResponse:
    """A file as stored, downloaded (never shown inside the portal's pages): its SHA-256 is the list's."""
    document = get_object_or_404(ValidationDocument.objects.select_related("report"),
                                 report_id=pk, language=language, format=kind)
    response = HttpResponse(bytes(document.content), content_type=_CONTENT_TYPES[document.format])
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
