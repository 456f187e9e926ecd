"""How evidence names a catalogue code in a language: the item's name, an instrument's title, a method's name."""

from __future__ import annotations

from collections.abc import Callable

from ..instruments import INSTRUMENTS
from .protocol import GeneralProtocol


def names_in(protocol: GeneralProtocol, language: str) -> Callable[[str], str]:
    """Catalogue code -> its name in ``language`` (English where the file gives none); other codes readable."""
    catalogue = protocol.catalogue
    methods = protocol.contraception_methods

    def name_of(code: str) -> str:
        section = catalogue.kind_of(code)
        if section == "instruments":
            return INSTRUMENTS[code].title
        if section is not None:
            names = getattr(catalogue, section)[code].names
            return names.get(language) or names["en"]
        if code in methods:
            return methods[code].get(language) or methods[code]["en"]
        if code in catalogue.class_names:
            return catalogue.class_names[code].get(language) or catalogue.class_names[code]["en"]
        # An instrument's item ("eular_acr_2019.joint_involvement"): readable here, named by the display layer.
        return code.rpartition(".")[2].replace("_", " ")

    return name_of
