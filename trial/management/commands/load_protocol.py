"""``manage.py load_protocol FILE``: validate a protocol TOML file and store it as a version."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.eligibility import ProtocolError
from trial.protocol_versions import protocol_version_load


class Command(BaseCommand):
    help = "Validate a protocol file and store it; the same content again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read protocol file: {getattr(error, 'strerror', None) or error}")
        try:
            result = protocol_version_load(text=text, source=str(file))
        except ProtocolError as error:
            raise CommandError(f"{file}: {error}")
        version = result.version
        if result.created:
            self.stdout.write(f"Loaded {version} (sha256 {version.sha256[:12]}…, effective {version.effective_on}).")
        else:
            self.stdout.write(f"Unchanged: {version} is already stored with this content.")
