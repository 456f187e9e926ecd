"""Signed checkpoints of the audit chain's head, kept outside the database.

The ledger's hash chain shows that no entry was altered after the next one was written, but whoever holds
the owner role can rewrite the whole chain and re-hash it. A checkpoint fixes the head (entry id, hash,
count, time) at a moment, signed with an Ed25519 key the database never sees (``AUDIT_CHECKPOINT_KEY``, a
file), and written to a directory outside the data folder (``AUDIT_CHECKPOINT_DIR``), optionally mailed to
the sponsor (``AUDIT_CHECKPOINT_EMAILS``). ``verify_audit`` checks the chain against every checkpoint: a
rewrite by the owner is caught at the next check against any checkpoint written before it, provided the
checkpoints are kept where the site's database administrator cannot reach (README, *Security*).

A checkpoint file is JSON: ``{"checkpoint": {...}, "signature": base64, "public_key": base64}``; it verifies
with the public key alone (``python manage.py verify_audit --public-key FILE`` on a sponsor's copy).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


class CheckpointError(Exception):
    """A checkpoint that cannot be trusted (unreadable, or its signature does not verify)."""


@dataclass(frozen=True)
class Checkpoint:
    entry_id: int
    hash: str
    entries: int
    created_at: str
    path: Path | None = None

    @property
    def name(self) -> str:
        """How the evidence names it: its file, else its time."""
        return self.path.name if self.path else self.created_at

    def payload(self) -> dict:
        return {"entry_id": self.entry_id, "hash": self.hash, "entries": self.entries, "created_at": self.created_at}


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def private_key(path: Path | None = None, *, create: bool = False) -> Ed25519PrivateKey:
    """The signing key (PEM, PKCS8). ``create``: generate it, readable only by its owner, when missing."""
    path = Path(path or settings.AUDIT_CHECKPOINT_KEY)
    if not path.exists():
        if not create:
            raise CheckpointError(f"{path}: no checkpoint key (AUDIT_CHECKPOINT_KEY)")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        return key
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: cannot read the checkpoint key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path}: not an Ed25519 private key")
    return key


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: the raw 32 bytes in base64 (as ``export_public_key`` writes) or PEM."""
    data = Path(path).read_bytes().strip()
    try:
        if data.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(data))
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: not an Ed25519 public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path}: not an Ed25519 public key")
    return key


def head(using: str = "default") -> tuple[int, str, int] | None:
    """(entry id, hash, number of entries) of the ledger's newest entry, or None for an empty ledger."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT id, hash, (SELECT count(*) FROM trial_auditentry) FROM trial_auditentry"
                       " ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else None


def write_checkpoint(*, using: str = "default", directory: Path | None = None, key_path: Path | None = None,
                     now: dt.datetime | None = None) -> Checkpoint | None:
    """Sign the current head and write it to ``directory``; None when the ledger is empty."""
    top = head(using)
    if top is None:
        return None
    key = private_key(key_path, create=True)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    checkpoint = Checkpoint(entry_id=top[0], hash=top[1], entries=top[2],
                            created_at=moment.isoformat(timespec="seconds"))
    document = {
        "checkpoint": checkpoint.payload(),
        "signature": base64.b64encode(key.sign(_canonical(checkpoint.payload()))).decode("ascii"),
        "public_key": base64.b64encode(public_key_bytes(key.public_key())).decode("ascii"),
    }
    folder = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{moment:%Y%m%dT%H%M%SZ}-{checkpoint.entry_id}.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _mail(path, checkpoint)
    return Checkpoint(**checkpoint.payload(), path=path)


def _mail(path: Path, checkpoint: Checkpoint) -> None:
    """A copy to the sponsor, out of the site's reach (best effort: the file is the record)."""
    recipients = list(settings.AUDIT_CHECKPOINT_EMAILS)
    if not recipients:
        return
    from django.core.mail import EmailMessage

    message = EmailMessage(
        subject=f"[{settings.PORTAL_NAME}] audit checkpoint: entry {checkpoint.entry_id}",
        body=(f"Audit chain head at {checkpoint.created_at}: entry {checkpoint.entry_id}, hash {checkpoint.hash}, "
              f"{checkpoint.entries} entries. Keep this message: verify_audit checks the chain against it."),
        to=recipients,
    )
    message.attach(path.name, path.read_text(encoding="utf-8"), "application/json")
    try:
        message.send()
    except Exception:  # noqa: BLE001 - the mail server is not ours; the file stands
        logger.exception("could not mail audit checkpoint %s", path.name)


def load_checkpoints(directory: Path | None = None, public_key: Ed25519PublicKey | None = None) -> list[Checkpoint]:
    """Every checkpoint of ``directory``, each signature verified with ``public_key`` (default: the key of
    ``AUDIT_CHECKPOINT_KEY``), oldest first. A file that does not verify raises ``CheckpointError``."""
    folder = Path(directory or settings.AUDIT_CHECKPOINT_DIR)
    if not folder.is_dir():
        return []
    if public_key is None:
        key_path = Path(settings.AUDIT_CHECKPOINT_KEY)
        if not key_path.exists():
            files = sorted(folder.glob("*.json"))
            if files:
                raise CheckpointError(f"{key_path}: the checkpoint key is missing, so {len(files)} checkpoints "
                                      "cannot be verified")
            return []
        public_key = private_key(key_path).public_key()
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            payload = document["checkpoint"]
            signature = base64.b64decode(document["signature"])
            checkpoint = Checkpoint(entry_id=int(payload["entry_id"]), hash=str(payload["hash"]),
                                    entries=int(payload["entries"]), created_at=str(payload["created_at"]),
                                    path=path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"checkpoint {path.name}: unreadable ({error})") from None
        try:
            public_key.verify(signature, _canonical(checkpoint.payload()))
        except InvalidSignature:
            raise CheckpointError(f"checkpoint {path.name}: the signature does not verify (altered or forged)") \
                from None
        found.append(checkpoint)
    return sorted(found, key=lambda c: (c.entry_id, c.created_at))
