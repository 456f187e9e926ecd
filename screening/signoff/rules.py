"""Pure rules of the eligibility sign-off: decisions applied on top of the engine, what is signed and its
hash, when signing is refused, and which changes void a signature.

No database, no clock: the services pass everything in.

The signed document is plain JSON::

    {"facts": <the facts document>, "result": <evaluation after decisions>,
     "decisions": [<the decisions applied>], "records": {<engine ref>: "<model label>:<pk>"}}

``records`` names the database row behind each reference, so a comparison made later follows a lab to its
new list position when an older lab was added before it, and sees when a record was withdrawn.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from screening.eligibility import Evaluation, Status
from screening.eligibility.results import overall_status
from screening.fact_names import (
    ABSENT,
    LIST_ITEM,
    NameOf,
    field_name,
    readable,
    record_name,
    record_value,
    shown,
    value_at,
)

# The English words; the page, the stored signature and the PDF use them in the signer's language.
MEANINGS = {
    "eligible": gettext_noop("I confirm that this subject meets all eligibility criteria"),
    "not_eligible": gettext_noop("I confirm that this subject does not meet all eligibility criteria"),
}
SIGNABLE = frozenset(MEANINGS)
# Stored in English with the void signature; translated where it is shown.
VOID_REASON = gettext_noop("signature void: data changed after signing")
SUPERSEDED_REASON = gettext_noop("signature superseded: the protocol was amended")


def meaning_of(outcome: str, language: str = "en") -> str:
    """The exact meaning text an ``eligible`` / ``not_eligible`` signature carries, in ``language`` (the
    catalogue's translation; ``screening.models.signoff.MEANINGS_BY_LANGUAGE`` holds the same words for the
    database's check)."""
    with translation.override(language):
        return _(MEANINGS[outcome])


def canonical_json(document: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no whitespace, UTF-8. Python's float repr is the
    shortest round-trip form, so a document read back from the database serialises to the same bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def is_sha256(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{64}", text or ""))


def sha256_of(document: Any) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


# -- decisions on review items -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """An investigator's decision on a ``needs_review`` criterion, as it enters the signed document."""

    code: str
    verdict: str  # "met" | "not_met"
    comment: str
    decided_by: str  # the investigator's name
    decided_at: str  # ISO 8601, UTC

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "verdict": self.verdict, "comment": self.comment,
                "decided_by": self.decided_by, "decided_at": self.decided_at}


@dataclass(frozen=True)
class DecidedCriterion:
    code: str
    engine_status: str
    status: str  # after the decision, if one applies
    evidence: str
    uses: tuple[str, ...]
    missing: tuple[str, ...]
    decision: Decision | None = None  # the decision applied
    ignored_decision: Decision | None = None  # a decision that no longer matches (criterion not needs_review)
    details: tuple[Any, ...] = ()  # the evidence as structure (messages), rendered in the reader's language
    needed: tuple[Any, ...] = ()  # what is missing, as structure

    def to_dict(self) -> dict[str, Any]:
        # The structured evidence is part of what is signed and hashed, not only its English rendering.
        document = {
            "code": self.code, "engine_status": self.engine_status, "status": self.status,
            "evidence": self.evidence, "uses": list(self.uses), "missing": list(self.missing),
            "decision": self.decision.verdict if self.decision else None,
        }
        if self.details:
            document["evidence_items"] = [item.to_dict() for item in self.details]
            document["missing_items"] = [item.to_dict() for item in self.needed]
        return document


@dataclass(frozen=True)
class DecidedEvaluation:
    """The engine's evaluation with the investigator's decisions applied on top (the engine stays pure)."""

    evaluation: Evaluation
    criteria: tuple[DecidedCriterion, ...]
    overall: str

    @property
    def missing(self) -> tuple[str, ...]:
        """What is still needed, in English (the signed document's words)."""
        return self.missing_shown(lambda c: c.missing, "investigator decision")

    def missing_shown(self, show: Callable[[DecidedCriterion], Iterable[str]], decision: str) -> tuple[str, ...]:
        """What is still needed, each criterion's items as ``show`` writes them; ``decision`` where a review
        item names nothing else."""
        return tuple(dict.fromkeys(
            f"{c.code}: {item}" for c in self.criteria if c.status in (Status.MISSING, Status.NEEDS_REVIEW)
            for item in (tuple(show(c)) or (decision,))
        ))

    @property
    def failed_codes(self) -> list[str]:
        return [c.code for c in self.criteria if c.status == Status.NOT_MET]

    @property
    def decisions(self) -> list[Decision]:
        return [c.decision for c in self.criteria if c.decision is not None]

    @property
    def ignored_decisions(self) -> list[Decision]:
        return [c.ignored_decision for c in self.criteria if c.ignored_decision is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.evaluation.protocol_id,
            "protocol_version": self.evaluation.protocol_version,
            "evaluated_on": self.evaluation.evaluated_on.isoformat(),
            "overall": self.overall,
            "criteria": [c.to_dict() for c in self.criteria],
            "missing": list(self.missing),
        }


def apply_decisions(evaluation: Evaluation, decisions: Mapping[str, Decision]) -> DecidedEvaluation:
    """A decision counts only on a criterion the engine left ``needs_review``; on any other status (the data
    now decides it, or it is missing or failed) it is kept aside as ignored and shown as such."""
    criteria = []
    for result in evaluation.criteria:
        decision = decisions.get(result.code)
        applies = decision is not None and result.status is Status.NEEDS_REVIEW
        criteria.append(DecidedCriterion(
            code=result.code,
            engine_status=result.status.value,
            status=decision.verdict if applies else result.status.value,
            evidence=result.evidence,
            uses=result.uses,
            missing=() if applies else result.missing,
            decision=decision if applies else None,
            ignored_decision=decision if decision is not None and not applies else None,
            details=result.details,
            needed=() if applies else result.needed,
        ))
    overall = overall_status([Status(c.status) for c in criteria]).value
    return DecidedEvaluation(evaluation, tuple(criteria), overall)


def signed_document(
    facts: Mapping[str, Any], decided: DecidedEvaluation, records: Mapping[str, str]
) -> dict[str, Any]:
    """What a signature covers (module docstring); plain JSON."""
    return {
        "facts": facts,
        "result": decided.to_dict(),
        "decisions": [d.to_dict() for d in decided.decisions],
        "records": dict(records),
    }


# -- when signing is refused -------------------------------------------------------------------------------


def signing_problems(
    *, overall: str, missing: Iterable[str], consent_current: bool, reconsent_reasons: Iterable[str],
    open_queries: int,
) -> list[str]:
    """Why the result cannot be signed now (empty: it can)."""
    problems = []
    if overall not in SIGNABLE:
        items = list(missing)
        problems.append(_("The result is incomplete; still missing: %(items)s.") % {"items": "; ".join(items)}
                        if items else _("The result is incomplete."))
    if not consent_current:
        problems.append(_("There is no current consent (none recorded, or consent was withdrawn)."))
    reasons = list(reconsent_reasons)
    if reasons:
        problems.append(_("Re-consent is needed first: %(reasons)s.") % {"reasons": "; ".join(reasons)})
    if open_queries:
        problems.append(ngettext(
            "%(count)s open data query must be closed first.", "%(count)s open data queries must be closed first.",
            open_queries,
        ) % {"count": open_queries})
    return problems


def printed_name_matches(printed: str, names: Iterable[str]) -> bool:
    """Whether the name typed at signing is one of the account's: in pinyin whatever the case and spacing
    ("li  wei" for Li Wei), or in Chinese characters whatever the spacing ("李 伟" for 李伟)."""
    def plain(name: str) -> str:
        return " ".join(name.split()).casefold()

    return any(plain(printed) == plain(name) or "".join(printed.split()) == "".join(name.split()) for name in names)


# -- void on change ----------------------------------------------------------------------------------------

def _record_ref(records: Mapping[str, str], ref: str) -> str | None:
    """The longest prefix of ``ref`` that names a record (``labs[0].value`` -> ``labs[0]``)."""
    while True:
        if ref in records:
            return ref
        if "." not in ref:
            return None
        ref = ref.rsplit(".", 1)[0]


def _follow(ref: str, signed_records: Mapping[str, str], current_records: Mapping[str, str]) -> str | None:
    """Where the record ``ref`` read at signing sits in the current facts: the same list item may have moved
    (an older record inserted before it); None when the record is no longer in the facts."""
    prefix = _record_ref(signed_records, ref)
    item = LIST_ITEM.match(prefix) if prefix else None
    if prefix is None or item is None:
        return ref
    identity, name = signed_records[prefix], item["name"]
    for candidate, other in current_records.items():
        if other == identity and LIST_ITEM.fullmatch(candidate) and candidate.startswith(f"{name}["):
            return candidate + ref[len(prefix):]
    return None


def _shown(value: Any) -> str:
    """A value of a change line, in English as stored with the void signature (absent: a dash)."""
    return shown(None if value is ABSENT else value)


def describe_change(ref: str, old: Any, new: Any, name_of: NameOf = readable, *,
                    record: Any = ABSENT) -> list[str]:
    """Human-readable lines for one reference whose value changed, e.g. ``creatinine of 2026-11-20:
    70 → 150 umol/L``. ``record``: the record a field reference belongs to, which names it."""
    name = record_name(ref, record if record is not ABSENT else (old if old is not ABSENT else new), name_of)
    if new is ABSENT:
        return [f"{name}: no longer in the data (was {_describe_record(old, name_of)})"]
    if old is ABSENT:
        return [f"{name}: added ({_describe_record(new, name_of)})"]
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = [k for k in dict.fromkeys([*old, *new]) if old.get(k, ABSENT) != new.get(k, ABSENT)]
        if keys == ["value"] and "unit" in new and old.get("unit") == new.get("unit"):
            return [f"{name}: {_shown(old['value'])} → {_shown(new['value'])} {new['unit']}"]
        return [f"{name}: {field_name(key, name_of)} {_shown(old.get(key, ABSENT))} → "
                f"{_shown(new.get(key, ABSENT))}" for key in keys]
    return [f"{name}: {_shown(old)} → {_shown(new)}"]


def _describe_record(value: Any, name_of: NameOf = readable) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{field_name(k, name_of)} {_shown(v)}" for k, v in value.items())
    return _shown(value)


def changes_between(signed: Mapping[str, Any], current: Mapping[str, Any],
                    name_of: NameOf = readable) -> list[str]:
    """What differs, in what the signed evaluation used, between the signed document and the same document
    rebuilt now (as of the signing date, under the signed protocol version). Empty: the signature stands.

    Compared, criterion by criterion: the value of every reference the signed result used (followed to the
    same database record), the records the current result rests on that the signed one did not, the
    status after decisions, and the decisions themselves. Data no
    criterion used is not compared."""
    changes: list[str] = []
    signed_facts, current_facts = signed["facts"], current["facts"]
    signed_records, current_records = signed.get("records", {}), current.get("records", {})
    current_criteria = {c["code"]: c for c in current["result"]["criteria"]}
    for criterion in signed["result"]["criteria"]:
        code = criterion["code"]
        now = current_criteria.get(code)
        used_then = set()
        for ref in criterion["uses"]:
            record = _record_ref(signed_records, ref)
            used_then.add(signed_records[record] if record else ref)
            moved = _follow(ref, signed_records, current_records)
            old = value_at(signed_facts, ref)
            new = ABSENT if moved is None else value_at(current_facts, moved)
            if old != new:
                changes.extend(describe_change(ref, old, new, name_of, record=record_value(signed_facts, ref)))
        if now is None:
            changes.append(f"{code} is no longer evaluated")
            continue
        status_changed = now["status"] != criterion["status"]
        for ref in now["uses"]:
            record = _record_ref(current_records, ref)
            if (current_records[record] if record else ref) in used_then:
                continue
            # A whole record the criterion now rests on (a late-entered lab dated before signing) counts. A
            # single field of one more record (I01 checks every record's date against consent) counts only
            # if the check's outcome changed.
            if record is not None and record != ref and not status_changed:
                continue
            value = value_at(current_facts, ref)
            changes.append(f"{code} now uses {record_name(ref, record_value(current_facts, ref), name_of)} "
                           f"({_describe_record(value, name_of)})")
        if status_changed:
            changes.append(f"{code} {criterion['status']} → {now['status']}")
    decisions_then = {d["code"]: d for d in signed.get("decisions", [])}
    decisions_now = {d["code"]: d for d in current.get("decisions", [])}
    for code in dict.fromkeys([*decisions_then, *decisions_now]):
        then, now = decisions_then.get(code), decisions_now.get(code)
        if then is None or now is None:
            changes.append(f"decision on {code} {'withdrawn' if now is None else 'added'}")
        elif (then["verdict"], then["comment"]) != (now["verdict"], now["comment"]):
            changes.append(f"decision on {code} {then['verdict']} → {now['verdict']} ({now['comment']})")
    return list(dict.fromkeys(changes))


def amendment_changes(signed: Mapping[str, Any], amended: Mapping[str, Any], name_of: NameOf = readable) -> list[str]:
    """What a protocol amendment changes for a signed result: ``amended`` is the same candidate's document
    rebuilt as of the signing date under the new version. Empty: the signature stands under its version.

    Beyond ``changes_between`` (data used, statuses, decisions): the overall verdict, and criteria the
    amendment adds (a new exclusion criterion the signer never saw)."""
    changes = []
    then, now = signed["result"]["overall"], amended["result"]["overall"]
    if then != now:
        changes.append(f"overall {then} → {now}")
    signed_codes = {c["code"] for c in signed["result"]["criteria"]}
    changes += [f"{c['code']} added by the amendment: {c['status']}" for c in amended["result"]["criteria"]
                if c["code"] not in signed_codes]
    return list(dict.fromkeys([*changes, *changes_between(signed, amended, name_of)]))
