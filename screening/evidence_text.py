"""The eligibility engine's evidence and "what is missing" texts, in the reader's language.

The engine (``screening.eligibility``) stays pure and speaks English: its evidence is values, dates, record
references and arithmetic held together by a small, fixed vocabulary ("limit", "none in the window",
"dated 2025-03-02, before consent 2025-03-05"). This display layer translates that vocabulary with gettext
(context "eligibility evidence") and leaves everything else as the engine wrote it: numbers, units, dates,
record references (``labs[0]``, ``patient.weight_kg``), criterion codes and drug names. English is returned
unchanged, so the English pages and the signed document read exactly as the engine wrote them.

Two kinds of entry: PATTERNS for phrases around values whose word order differs in Chinese (their named
parts are translated too), then PHRASES, replaced as whole words, longest first. A phrase the table lacks
stays in English: the reader still sees the values, never a broken text. A new wording in the engine needs
its entry here (and its translation in the catalogue); ``tests/i18n/test_pages.py`` pins examples.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from django.utils.functional import Promise
from django.utils import translation
from django.utils.translation import get_language, pgettext_lazy

_DATE = r"\d{4}-\d{2}-\d{2}"
_NUMBER = r"\d+(?:\.\d+)?"

# (regex with named groups, template with the same names). Applied in order, on one "; "-separated part.
PATTERNS: list[tuple[str, Promise]] = [
    (rf"no (?P<what>.+?) in the window (?P<start>{_DATE}) to (?P<end>{_DATE})",
     pgettext_lazy("eligibility evidence", "no %(what)s in the window %(start)s to %(end)s")),
    (rf"(?P<what>.+?) dated (?P<start>{_DATE}) to (?P<end>{_DATE})",
     pgettext_lazy("eligibility evidence", "%(what)s dated %(start)s to %(end)s")),
    (rf"dated (?P<on>{_DATE}), before consent (?P<consent>{_DATE})",
     pgettext_lazy("eligibility evidence", "dated %(on)s, before consent %(consent)s")),
    (rf"dated (?P<on>{_DATE}), after the evaluation date (?P<evaluated>{_DATE})",
     pgettext_lazy("eligibility evidence", "dated %(on)s, after the evaluation date %(evaluated)s")),
    (rf"dated (?P<on>{_DATE}), (?P<days>\d+) days before evaluation \(window (?P<window>\d+) days\)",
     pgettext_lazy("eligibility evidence", "dated %(on)s, %(days)s days before evaluation (window %(window)s days)")),
    (r"(?P<label>[^:;]+): not yet attested",
     pgettext_lazy("eligibility evidence", "%(label)s: not yet attested")),
    (r"(?P<label>[^:;]+): attested yes",
     pgettext_lazy("eligibility evidence", "%(label)s: attested yes")),
    (r"(?P<label>[^:;]+): attested no",
     pgettext_lazy("eligibility evidence", "%(label)s: attested no")),
    (r"investigator decision: (?P<label>.+)",
     pgettext_lazy("eligibility evidence", "investigator decision: %(label)s")),
    (r"whether the patient has (?P<flag>.+)",
     pgettext_lazy("eligibility evidence", "whether the patient has %(flag)s")),
    (r"check of the (?P<label>.+?) value and unit \((?P<ref>[^)]+)\)",
     pgettext_lazy("eligibility evidence", "check of the %(label)s value and unit (%(ref)s)")),
    (r"(?P<label>[^;(]+?) result in (?P<units>.+?) \((?P<ref>[^)]+)\)",
     pgettext_lazy("eligibility evidence", "%(label)s result in %(units)s (%(ref)s)")),
    (r"unit not accepted for (?P<label>.+?) \(use (?P<units>[^)]+)\)",
     pgettext_lazy("eligibility evidence", "unit not accepted for %(label)s (use %(units)s)")),
    (r"(?P<item>[^;]+?) for creatinine clearance",
     pgettext_lazy("eligibility evidence", "%(item)s for creatinine clearance")),
    (r"CrCl not computable \(no (?P<what>[^)]+)\)",
     pgettext_lazy("eligibility evidence", "CrCl not computable (no %(what)s)")),
    (rf"(?P<limit>{_NUMBER}) with (?P<flag>gilbert syndrome|liver involvement): not recorded",
     pgettext_lazy("eligibility evidence", "%(limit)s with %(flag)s: not recorded")),
    (r"daily dose of (?P<drug>.+?) \((?P<ref>[^)]+)\)",
     pgettext_lazy("eligibility evidence", "daily dose of %(drug)s (%(ref)s)")),
    (r"(?P<ref>\S+) (?P<drug>.+?) starts after the evaluation date",
     pgettext_lazy("eligibility evidence", "%(ref)s %(drug)s starts after the evaluation date")),
    (r"(?P<ref>\S+) (?P<drug>.+?) is not in the protocol's (?P<kind>\w+) list",
     pgettext_lazy("eligibility evidence", "%(ref)s %(drug)s is not in the protocol's %(kind)s list")),
    (r"contraception method: (?P<method>\S+) is not an accepted method",
     pgettext_lazy("eligibility evidence", "contraception method: %(method)s is not an accepted method")),
    (r"(?P<points>\d+) points < (?P<minimum>\d+)",
     pgettext_lazy("eligibility evidence", "%(points)s points < %(minimum)s")),
    (r"age not computable: no (?P<what>.+)",
     pgettext_lazy("eligibility evidence", "age not computable: no %(what)s")),
    (rf"born (?P<born>{_DATE}), (?P<years>\d+) years on consent date (?P<consent>{_DATE}) "
     rf"\(minimum (?P<minimum>{_NUMBER})\)",
     pgettext_lazy("eligibility evidence",
                   "born %(born)s, %(years)s years on consent date %(consent)s (minimum %(minimum)s)")),
    (rf"consent signed (?P<on>{_DATE}) by (?P<signer>patient|guardian) on ICF (?P<icf>[^\s,;:]+)",
     pgettext_lazy("eligibility evidence", "consent signed %(on)s by %(signer)s on ICF %(icf)s")),
    (r"(?P<count>\d+) screening records dated on or after it",
     pgettext_lazy("eligibility evidence", "%(count)s screening records dated on or after it")),
    (rf"duration: (?P<start>{_DATE}) to (?P<end>{_DATE}) \((?P<until>evaluation|last stop)\) = "
     rf"(?P<months>\d+) calendar months \(minimum (?P<minimum>{_NUMBER})\)",
     pgettext_lazy("eligibility evidence",
                   "duration: %(start)s to %(end)s (%(until)s) = %(months)s calendar months (minimum %(minimum)s)")),
    (rf"(?P<specimen>serum|urine) pregnancy test (?P<result>positive|negative) on (?P<on>{_DATE})",
     pgettext_lazy("eligibility evidence", "%(specimen)s pregnancy test %(result)s on %(on)s")),
    (rf"no (?P<what>[^:;]+): no window: consent (?P<consent>{_DATE}) is after the evaluation date "
     rf"(?P<evaluated>{_DATE})",
     pgettext_lazy("eligibility evidence",
                   "no %(what)s: no window: consent %(consent)s is after the evaluation date %(evaluated)s")),
    (rf"no window: consent (?P<consent>{_DATE}) is after the evaluation date (?P<evaluated>{_DATE})",
     pgettext_lazy("eligibility evidence", "no window: consent %(consent)s is after the evaluation date %(evaluated)s")),
    (rf"(?P<start>{_DATE}) to (?P<end>{_DATE})",
     pgettext_lazy("eligibility evidence", "%(start)s to %(end)s")),
    (rf"\bon (?P<on>{_DATE})",
     pgettext_lazy("eligibility evidence", "on %(on)s")),
]

# Whole words or phrases, replaced longest first.
PHRASES: list[Promise] = [
    pgettext_lazy("eligibility evidence", "2019 EULAR/ACR criteria not recorded"),
    pgettext_lazy("eligibility evidence", "2019 EULAR/ACR classification criteria"),
    pgettext_lazy("eligibility evidence", "entry criterion (ANA >= 1:80 on HEp-2, ever) not recorded"),
    pgettext_lazy("eligibility evidence", "whether ANA >= 1:80 on HEp-2 was ever found"),
    pgettext_lazy("eligibility evidence", "entry criterion (ANA >= 1:80 on HEp-2) not met"),
    pgettext_lazy("eligibility evidence", "entry criterion ANA >= 1:80 on HEp-2"),
    pgettext_lazy("eligibility evidence", "highest per domain"),
    pgettext_lazy("eligibility evidence", "no criteria"),
    pgettext_lazy("eligibility evidence", "points"),
    pgettext_lazy("eligibility evidence", "not classified"),
    pgettext_lazy("eligibility evidence", "no clinical criterion"),
    pgettext_lazy("eligibility evidence", "no SLEDAI-2K assessment"),
    pgettext_lazy("eligibility evidence", "SLEDAI-2K assessment"),
    pgettext_lazy("eligibility evidence", "no descriptors"),
    pgettext_lazy("eligibility evidence", "none in the window"),
    pgettext_lazy("eligibility evidence", "not valid"),
    pgettext_lazy("eligibility evidence", "positive"),
    pgettext_lazy("eligibility evidence", "negative"),
    pgettext_lazy("eligibility evidence", "ANA or anti-dsDNA result"),
    pgettext_lazy("eligibility evidence", "anti-dsDNA"),
    pgettext_lazy("eligibility evidence", "anti_dsdna"),
    pgettext_lazy("eligibility evidence", "no treatment history recorded"),
    pgettext_lazy("eligibility evidence", "treatment history"),
    pgettext_lazy("eligibility evidence", "intolerance of conventional therapy documented, to be confirmed"),
    pgettext_lazy("eligibility evidence", "investigator confirmation of intolerance of conventional therapy"),
    pgettext_lazy("eligibility evidence", "intolerance of conventional therapy not recorded"),
    pgettext_lazy("eligibility evidence", "whether the patient is intolerant of conventional therapy"),
    pgettext_lazy("eligibility evidence", "no intolerance of conventional therapy"),
    pgettext_lazy("eligibility evidence", "antimalarials"),
    pgettext_lazy("eligibility evidence", "immunosuppressants"),
    pgettext_lazy("eligibility evidence", "biologics"),
    pgettext_lazy("eligibility evidence", "antimalarial"),
    pgettext_lazy("eligibility evidence", "glucocorticoid"),
    pgettext_lazy("eligibility evidence", "immunosuppressant"),
    pgettext_lazy("eligibility evidence", "biologic"),
    pgettext_lazy("eligibility evidence", "none"),
    pgettext_lazy("eligibility evidence", "minimum"),
    pgettext_lazy("eligibility evidence", "not counted"),
    pgettext_lazy("eligibility evidence", "no current weight for the dose"),
    pgettext_lazy("eligibility evidence", "current weight"),
    pgettext_lazy("eligibility evidence", "no daily dose recorded"),
    pgettext_lazy("eligibility evidence", "mg prednisone"),
    pgettext_lazy("eligibility evidence", "duration"),
    pgettext_lazy("eligibility evidence", "no counted treatment"),
    pgettext_lazy("eligibility evidence", "months"),
    pgettext_lazy("eligibility evidence", "evaluation"),
    pgettext_lazy("eligibility evidence", "last stop"),
    pgettext_lazy("eligibility evidence", "no consent recorded"),
    pgettext_lazy("eligibility evidence", "signed informed consent"),
    pgettext_lazy("eligibility evidence", "withdrawn on"),
    pgettext_lazy("eligibility evidence", "after the evaluation date"),
    pgettext_lazy("eligibility evidence", "is not approved"),
    pgettext_lazy("eligibility evidence", "approved"),
    pgettext_lazy("eligibility evidence", "dated before consent"),
    pgettext_lazy("eligibility evidence", "not withdrawn"),
    pgettext_lazy("eligibility evidence", "date of birth"),
    pgettext_lazy("eligibility evidence", "consent date"),
    pgettext_lazy("eligibility evidence", "patient"),
    pgettext_lazy("eligibility evidence", "guardian"),
    pgettext_lazy("eligibility evidence", "or"),
    pgettext_lazy("eligibility evidence", "serum pregnancy test"),
    pgettext_lazy("eligibility evidence", "pregnancy test"),
    pgettext_lazy("eligibility evidence", "serum"),
    pgettext_lazy("eligibility evidence", "urine"),
    pgettext_lazy("eligibility evidence", "sex not recorded"),
    pgettext_lazy("eligibility evidence", "patient's sex"),
    pgettext_lazy("eligibility evidence", "not applicable (male)"),
    pgettext_lazy("eligibility evidence", "childbearing potential not recorded"),
    pgettext_lazy("eligibility evidence", "whether the patient is of childbearing potential"),
    pgettext_lazy("eligibility evidence", "not applicable (not of childbearing potential)"),
    pgettext_lazy("eligibility evidence", "a urine test is not evidence"),
    pgettext_lazy("eligibility evidence", "contraception for 1 year after infusion"),
    pgettext_lazy("eligibility evidence", "no egg or sperm donation for 1 year"),
    pgettext_lazy("eligibility evidence", "contraception method"),
    pgettext_lazy("eligibility evidence", "not recorded"),
    pgettext_lazy("eligibility evidence", "limit"),
    pgettext_lazy("eligibility evidence", "x ULN"),
    pgettext_lazy("eligibility evidence", "creatinine"),
    pgettext_lazy("eligibility evidence", "total bilirubin"),
    pgettext_lazy("eligibility evidence", "total_bilirubin"),
    pgettext_lazy("eligibility evidence", "alt"),
    pgettext_lazy("eligibility evidence", "ast"),
    pgettext_lazy("eligibility evidence", "ana"),
    pgettext_lazy("eligibility evidence", "result"),
    pgettext_lazy("eligibility evidence", "outside the plausible range"),
    pgettext_lazy("eligibility evidence", "is outside the plausible range"),
    pgettext_lazy("eligibility evidence", "check the value and its unit"),
    pgettext_lazy("eligibility evidence", "is outside the plausible ULN range"),
    pgettext_lazy("eligibility evidence", "check the unit and the reference range"),
    pgettext_lazy("eligibility evidence", "the newest day holds several results that lead to different statuses"),
    pgettext_lazy("eligibility evidence", "investigator review of the same-day results"),
    pgettext_lazy("eligibility evidence", "a positive urine test needs a serum test on or after it"),
    pgettext_lazy("eligibility evidence", "contradicts the recorded sex"),
    pgettext_lazy("eligibility evidence", "contradicts the record"),
    pgettext_lazy("eligibility evidence", "CrCl not computed"),
    pgettext_lazy("eligibility evidence", "not accepted for a male subject"),
    pgettext_lazy("eligibility evidence", "not accepted for a female subject"),
    pgettext_lazy("eligibility evidence", "gilbert syndrome"),
    pgettext_lazy("eligibility evidence", "liver involvement"),
    pgettext_lazy("eligibility evidence", "echocardiography"),
    pgettext_lazy("eligibility evidence", "weight"),
    pgettext_lazy("eligibility evidence", "sex"),
    pgettext_lazy("eligibility evidence", "SpO2 reading on room air"),
    pgettext_lazy("eligibility evidence", "room air or oxygen not recorded"),
    pgettext_lazy("eligibility evidence", "whether SpO2 was measured on room air"),
    pgettext_lazy("eligibility evidence", "on oxygen is not evidence"),
    pgettext_lazy("eligibility evidence", "on room air"),
    pgettext_lazy("eligibility evidence", "investigator decision"),
    pgettext_lazy("eligibility evidence", "met"),
    pgettext_lazy("eligibility evidence", "not met"),
]

# The engine's statuses and overall results, shown on badges. The English labels are the codes themselves.
STATUS_LABELS: Mapping[str, Promise] = {
    "met": pgettext_lazy("eligibility status", "met"),
    "not_met": pgettext_lazy("eligibility status", "not_met"),
    "missing": pgettext_lazy("eligibility status", "missing"),
    "needs_review": pgettext_lazy("eligibility status", "needs_review"),
    "eligible": pgettext_lazy("eligibility status", "eligible"),
    "not_eligible": pgettext_lazy("eligibility status", "not_eligible"),
    "incomplete": pgettext_lazy("eligibility status", "incomplete"),
}

# Record references and field paths (labs[0], labs[0].collected_on, patient.weight_kg) are never translated.
_REFERENCE = re.compile(r"[a-z_][a-z0-9_]*(?:\[\d+\](?:\.[a-z_][a-z0-9_]*)*|(?:\.[a-z_][a-z0-9_]*)+)")
_CODE_PREFIX = re.compile(r"^(?P<code>[A-Z]\d+[a-z]?): ")
_WORD = r"A-Za-z0-9_\-"


def is_english(language: str | None = None) -> bool:
    return (language or get_language() or "en").split("-")[0] == "en"


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def translate_evidence(text: str, names: Mapping[str, str] | None = None) -> str:
    """``text`` (an evidence or a "missing" item) in the active language. ``names``: English wording -> the
    active language's, for the protocol's own words inside evidence (criterion names in attestation texts,
    contraception method names)."""
    if not text or is_english():
        return text
    wording = tuple(sorted((names or {}).items(), key=lambda pair: len(pair[0]), reverse=True))
    return _translated(get_language(), text, wording)


# A page translates a dozen evidence lines, each through some thirty patterns (about 0.2 ms a line), and the
# checklist is re-read after every entry with mostly the same lines. The result depends only on the
# language, the text and the protocol's wording (the catalogues are fixed for the life of a process).
@lru_cache(maxsize=4096)
def _translated(language: str, text: str, wording: tuple[tuple[str, str], ...]) -> str:
    table = _table(language)
    parts = []
    for part in text.split("; "):
        prefix = ""
        if match := _CODE_PREFIX.match(part):
            prefix, part = match.group(0), part[match.end():]
        parts.append(prefix + table.translate(part, wording))
    return "; ".join(parts)


def protocol_names(protocol, language: str) -> dict[str, str]:
    """English -> ``language`` for the protocol's criterion and contraception method names."""
    names = {}
    for entry in (*protocol.criteria, *protocol.exclusion_criteria):
        if entry.names.get("en") and entry.names.get(language):
            names[entry.names["en"]] = entry.names[language]
    for method in protocol.contraception_methods.values():
        if method.get("en") and method.get(language):
            names[method["en"]] = method[language]
    return names


class _Table:
    """The patterns and phrases in one language (the active one when built)."""

    def __init__(self) -> None:
        with translation.override("en"):
            english = [str(phrase) for phrase in PHRASES]
        self.phrases = dict(zip(english, (str(phrase) for phrase in PHRASES), strict=True))
        alternatives = "|".join(re.escape(word) for word in sorted(self.phrases, key=len, reverse=True))
        self.phrase_re = re.compile(rf"(?<![{_WORD}])(?:{alternatives})(?![{_WORD}])")
        self.patterns = [(re.compile(regex), str(template)) for regex, template in PATTERNS]

    def words(self, text: str) -> str:
        return self.phrase_re.sub(lambda match: self.phrases[match.group(0)], text)

    def translate(self, part: str, wording: tuple[tuple[str, str], ...]) -> str:
        """``wording``: (English, translated) pairs of protocol words, longest first."""
        kept: list[str] = []

        def stash(text: str) -> str:
            kept.append(text)
            return f"\ue000{len(kept) - 1}\ue001"

        for english, translated in wording:
            if english in part:
                part = part.replace(english, stash(translated))
        part = _REFERENCE.sub(lambda match: stash(match.group(0)), part)
        for regex, template in self.patterns:
            part = regex.sub(
                lambda match, template=template: template % {
                    name: self.words(value or "") for name, value in match.groupdict().items()
                },
                part,
            )
        part = self.words(part)
        return re.sub("\ue000(\\d+)\ue001", lambda match: kept[int(match.group(1))], part)


@lru_cache(maxsize=8)
def _table(language: str) -> _Table:
    return _Table()  # built under the active language, which is the cache key
