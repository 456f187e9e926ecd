"""The eligibility engine's evidence and "what is missing", in the reader's language.

The engine returns evidence as structure (``screening.eligibility.general.messages``: a message id and its
parameters). This display layer renders it with gettext in the page's language: the template is translated,
item codes become the item's name in that language (from the protocol's catalogue), and values, units,
dates and the arithmetic pass through as the engine wrote them; record references (``labs[0]``) do not. Nothing here rewrites
English sentences: a text stored before evidence was structured (an older signature) is shown as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy

from screening.eligibility.general.messages import Message, render
from screening.eligibility.general.naming import names_in
from screening.fact_names import FIELD_NAMES, record_name, record_value
from screening.instrument_names import ITEM_LABELS

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


def page_language() -> str:
    """The active language as the protocol file names it: ``en`` or ``zh-hans``."""
    return "zh-hans" if (get_language() or "").startswith("zh") else "en"


def status_label(status: str) -> str:
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def as_messages(items: Iterable[Message | Mapping[str, Any]]) -> tuple[Message, ...]:
    """Messages from the engine, or from their JSON form in a stored signed document."""
    return tuple(item if isinstance(item, Message) else Message.from_dict(item) for item in items)


def rendered_each(items: Iterable[Message | Mapping[str, Any]], protocol: Any,
                  language: str | None = None, facts: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """Each message (evidence or what is missing) in ``language`` (the page's by default). Record references
    are left out or named as people name them (``screening.fact_names``), from ``facts`` when given: the
    facts document the messages were evaluated on."""
    language = language or page_language()
    catalogue_name = names_in(protocol, language)
    with translation.override(language):
        def name_of(code: str) -> str:
            instrument, _dot, item = code.partition(".")
            label = ITEM_LABELS.get(instrument, {}).get(item) if item else None
            if label is None and code in FIELD_NAMES and protocol.catalogue.kind_of(code) is None:
                label = translation.gettext(FIELD_NAMES[code])  # a fact the engine names that no file declares
            return str(label) if label is not None else catalogue_name(code)

        def ref_of(ref: str) -> str:
            return record_name(ref, record_value(facts, ref) if facts else None, name_of, translation.gettext)

        return tuple(render(m, translation.gettext, name_of, ref_of) for m in as_messages(items))


def rendered(items: Iterable[Message | Mapping[str, Any]], protocol: Any, language: str | None = None,
             facts: Mapping[str, Any] | None = None) -> str:
    """Evidence in ``language`` (the page's by default), its messages joined as the engine joins them."""
    return "; ".join(rendered_each(items, protocol, language, facts))
