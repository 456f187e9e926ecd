"""The names people read for the items of the disease-activity and classification instruments: the SLEDAI-2K
descriptors and the 2019 EULAR/ACR criteria and domains, in the page's language (gettext). The entry forms
label their boxes with them, and the evidence names the counted items with them (``screening.evidence_text``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

# Display names of the SLEDAI-2K descriptors (Gladman et al. 2002) and EULAR/ACR criteria (Aringer et al. 2019).
SLEDAI_LABELS: Mapping[str, Promise] = {
    "seizure": gettext_lazy("Seizure"),
    "psychosis": gettext_lazy("Psychosis"),
    "organic_brain_syndrome": gettext_lazy("Organic brain syndrome"),
    "visual_disturbance": gettext_lazy("Visual disturbance"),
    "cranial_nerve_disorder": gettext_lazy("Cranial nerve disorder"),
    "lupus_headache": gettext_lazy("Lupus headache"),
    "cva": gettext_lazy("Cerebrovascular accident"),
    "vasculitis": gettext_lazy("Vasculitis"),
    "arthritis": gettext_lazy("Arthritis"),
    "myositis": gettext_lazy("Myositis"),
    "urinary_casts": gettext_lazy("Urinary casts"),
    "hematuria": gettext_lazy("Hematuria"),
    "proteinuria": gettext_lazy("Proteinuria"),
    "pyuria": gettext_lazy("Pyuria"),
    "rash": gettext_lazy("Rash"),
    "alopecia": gettext_lazy("Alopecia"),
    "mucosal_ulcers": gettext_lazy("Mucosal ulcers"),
    "pleurisy": gettext_lazy("Pleurisy"),
    "pericarditis": gettext_lazy("Pericarditis"),
    "low_complement": gettext_lazy("Low complement"),
    "increased_dna_binding": gettext_lazy("Increased DNA binding"),
    "fever": gettext_lazy("Fever"),
    "thrombocytopenia": gettext_lazy("Thrombocytopenia"),
    "leukopenia": gettext_lazy("Leukopenia"),
}
EULAR_LABELS: Mapping[str, Promise] = {
    "fever": gettext_lazy("Fever"),
    "leukopenia": gettext_lazy("Leukopenia"),
    "thrombocytopenia": gettext_lazy("Thrombocytopenia"),
    "autoimmune_hemolysis": gettext_lazy("Autoimmune hemolysis"),
    "delirium": gettext_lazy("Delirium"),
    "psychosis": gettext_lazy("Psychosis"),
    "seizure": gettext_lazy("Seizure"),
    "non_scarring_alopecia": gettext_lazy("Non-scarring alopecia"),
    "oral_ulcers": gettext_lazy("Oral ulcers"),
    "subacute_cutaneous_or_discoid_lupus": gettext_lazy("Subacute cutaneous or discoid lupus"),
    "acute_cutaneous_lupus": gettext_lazy("Acute cutaneous lupus"),
    "pleural_or_pericardial_effusion": gettext_lazy("Pleural or pericardial effusion"),
    "acute_pericarditis": gettext_lazy("Acute pericarditis"),
    "joint_involvement": gettext_lazy("Joint involvement"),
    "proteinuria": gettext_lazy("Proteinuria > 0.5 g/24 h"),
    "lupus_nephritis_class_ii_or_v": gettext_lazy("Lupus nephritis class II or V"),
    "lupus_nephritis_class_iii_or_iv": gettext_lazy("Lupus nephritis class III or IV"),
    "antiphospholipid_antibodies": gettext_lazy("Antiphospholipid antibodies"),
    "low_c3_or_low_c4": gettext_lazy("Low C3 or low C4"),
    "low_c3_and_low_c4": gettext_lazy("Low C3 and low C4"),
    "anti_dsdna_or_anti_smith": gettext_lazy("Anti-dsDNA or anti-Smith antibody"),
}
EULAR_DOMAIN_LABELS: Mapping[str, Promise] = {
    "constitutional": gettext_lazy("Constitutional"),
    "hematologic": gettext_lazy("Hematologic"),
    "neuropsychiatric": gettext_lazy("Neuropsychiatric"),
    "mucocutaneous": gettext_lazy("Mucocutaneous"),
    "serosal": gettext_lazy("Serosal"),
    "musculoskeletal": gettext_lazy("Musculoskeletal"),
    "renal": gettext_lazy("Renal"),
    "antiphospholipid": gettext_lazy("Antiphospholipid antibodies"),
    "complement": gettext_lazy("Complement proteins"),
    "sle_specific_antibodies": gettext_lazy("SLE-specific antibodies"),
}

# Instrument code (screening.eligibility.instruments) -> the names of the items a record lists.
ITEM_LABELS: Mapping[str, Mapping[str, Promise]] = {"sledai_2k": SLEDAI_LABELS, "eular_acr_2019": EULAR_LABELS}
