"""Questions and attributes that are not yes/no are asked too, typed as the catalogue says: a choice question
(`in = [...]`), a number attribute (the height that BMI reads) and a date attribute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from patients.clock import site_today
from screening.evaluation import evaluate_eligibility
from screening.models import Attestation
from screening.records.questions import asked_questions
from tests.screening.signoff_setup import enter_eligible
from trial.protocol_versions import current_protocol, protocol_version_load

pytestmark = pytest.mark.django_db

ADDED_ITEMS = '''
[catalogue.attributes.height_cm]
name = { en = "height", "zh-hans" = "身高" }
type = "number"
unit = "cm"
plausible = { min = 100, max = 230 }

[catalogue.attributes.last_flare_on]
name = { en = "date of the last severe flare", "zh-hans" = "最近一次重度复发日期" }
type = "date"

[catalogue.questions.nephritis_class]
text = { en = "ISN/RPS class of lupus nephritis", "zh-hans" = "狼疮肾炎 ISN/RPS 分型" }
choices = ["none", "III", "IV", "V"]
'''

ADDED_CRITERIA = '''
[exclusion.E90]
name = { en = "Excluded if BMI above 35", "zh-hans" = "排除：BMI > 35" }
kind = "value"
item = "bmi"
min = 35.01

[exclusion.E91]
name = { en = "Excluded if class V nephritis", "zh-hans" = "排除：V 型狼疮肾炎" }
kind = "question"
item = "nephritis_class"
in = ["V"]

[exclusion.E92]
name = { en = "Excluded if a severe flare in the last 30 days", "zh-hans" = "排除：30 天内重度复发" }
kind = "time_since"
item = "last_flare_on"
max_days = 30
'''


@pytest.fixture
def amended(protocol_version, settings):
    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    for old, new in (('version = "1"', 'version = "2"'),
                     ('exclusion_criteria_status = "not_provided"', 'exclusion_criteria_status = "provided"'),
                     ('instruments = ["sledai_2k", "eular_acr_2019", "cockcroft_gault"]',
                      'instruments = ["sledai_2k", "eular_acr_2019", "cockcroft_gault", "bmi"]'),
                     ("[catalogue.drugs]", ADDED_ITEMS + "\n[catalogue.drugs]"),
                     ("[contraception_methods]", ADDED_CRITERIA + "\n[contraception_methods]")):
        assert old in text, old
        text = text.replace(old, new, 1)
    return protocol_version_load(text=text).version


def attest(client, patient, question, **data):
    return client.post(reverse("attestation_new", args=[patient.pk]),
                       {"question": question, "answer": "", "value": "", "comment": "", **data})


def status(patient, code) -> str:
    return evaluate_eligibility(patient)[0].result(code).status.value


def test_the_protocol_asks_the_typed_items_with_their_types(amended):
    asked = {q.code: q for q in asked_questions(current_protocol(amended.trial))}
    assert (asked["height_cm"].type, asked["height_cm"].unit) == ("number", "cm")
    assert asked["last_flare_on"].type == "date"
    assert (asked["nephritis_class"].type, asked["nephritis_class"].choices) == ("choice", ("none", "III", "IV", "V"))
    assert "contraception_method" not in asked  # asked with the contraception agreement


def test_the_height_feeds_bmi_and_a_choice_and_a_date_decide_their_exclusions(amended, patient_a, coordinator_a,
                                                                            investigator_a, client_of):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    client = client_of(investigator_a)
    assert status(patient_a, "E90") == "missing"
    assert attest(client, patient_a, "height_cm", value="160").status_code == 302  # 58 kg: BMI 22.7
    assert status(patient_a, "E90") == "met"
    assert attest(client, patient_a, "nephritis_class", value="V").status_code == 302
    assert status(patient_a, "E91") == "not_met"  # class V: excluded
    recent = (site_today(patient_a.site) - dt.timedelta(days=10)).isoformat()
    assert attest(client, patient_a, "last_flare_on", value=recent).status_code == 302
    assert status(patient_a, "E92") == "not_met"
    page = client.get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    row = page[page.index('data-testid="attestation-nephritis_class"'):]
    assert "<strong>V</strong>" in row[:400]


@pytest.mark.parametrize(("question", "value", "message"), [
    ("height_cm", "1.60", "outside the plausible range 100-230 cm"),
    ("height_cm", "tall", "Enter a number."),
    ("nephritis_class", "VI", "Choose one of: none, III, IV, V."),
    ("last_flare_on", "11/02/2026", "Enter a date as YYYY-MM-DD."),
    ("last_flare_on", "2999-01-01", "in the future"),
    ("nephritis_class", "", "Give the answer"),
])
def test_a_bad_typed_answer_gets_a_clear_message_and_nothing_is_saved(amended, patient_a, coordinator_a,
                                                                     investigator_a, client_of, question, value,
                                                                     message):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    before = Attestation.objects.count()
    response = attest(client_of(investigator_a), patient_a, question, value=value)
    assert response.status_code in (200, 400) and message in response.content.decode()
    assert Attestation.objects.count() == before


def test_the_database_holds_either_a_yes_no_answer_or_a_value(amended, patient_a, investigator_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Attestation.objects.create(patient=patient_a, question="height_cm", answer=None, value="",
                                   recorded_by=investigator_a)


@pytest.mark.parametrize(("question", "expected", "absent"), [
    ("height_cm", 'type="number"', 'name="answer"'),
    ("nephritis_class", '<option value="V">V</option>', 'name="answer"'),
    ("last_flare_on", 'type="date"', 'name="answer"'),
    ("apheresis_suitable", 'name="answer"', 'name="value"'),
])
def test_choosing_a_question_brings_the_input_its_type_needs(amended, patient_a, coordinator_a, investigator_a,
                                                             client_of, question, expected, absent):
    enter_eligible(patient_a, coordinator_a, investigator_a)
    response = client_of(investigator_a).get(reverse("attestation_new", args=[patient_a.pk]), {"question": question},
                                             HTTP_HX_REQUEST="true")
    form = response.content.decode()
    form = form[form.index('data-testid="form-attestation"'):]
    assert expected in form and absent not in form
    assert 'hx-get="/screening/patients/' in form  # the question select fetches the form for another question
