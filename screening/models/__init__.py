"""Screening records, one module per topic. Import models from here (``from screening.models import Consent``)."""

from screening.models.assessments import (
    Classification,
    EularAcrAssessment,
    SledaiAssessment,
)
from screening.models.attestations import CONTRACEPTION_AGREED, Attestation
from screening.models.consent import Consent, ICFVersion, Signer, Withdrawal
from screening.models.labs import (
    EchoResult,
    LabResult,
    Measurement,
    PregnancyTest,
    ReferenceRange,
    SerologyResult,
    Spo2Reading,
)
from screening.models.records import RecordSource, RecordStatus, ScreeningRecord
from screening.models.signoff import (
    ENDED_STATUSES,
    DecisionVerdict,
    EligibilityDecision,
    EligibilitySignature,
    SignatureOutcome,
    SignatureStatus,
)
from screening.models.treatments import DrugClass, Treatment
from screening.models.worklist import EvaluationSummary, WorkState

__all__ = [
    "Consent", "ICFVersion", "Signer", "Withdrawal",
    "RecordSource", "RecordStatus", "ScreeningRecord", "EchoResult", "LabResult", "PregnancyTest", "ReferenceRange",
    "SerologyResult", "Measurement", "Spo2Reading", "EularAcrAssessment", "SledaiAssessment", "Classification", "DrugClass", "Treatment",
    "Attestation", "CONTRACEPTION_AGREED",
    "ENDED_STATUSES", "DecisionVerdict", "EligibilityDecision", "EligibilitySignature", "SignatureOutcome",
    "SignatureStatus", "EvaluationSummary", "WorkState",
]
