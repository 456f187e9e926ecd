"""The benchmark data set: a busy platform, generated in bulk SQL into the database Django is connected to.

``populate(scale)`` expects a migrated, empty database. It

1. loads the protocol, creates the sites, staff (with e-mail addresses, one password hashed once) and one
   ICF version per site through the ORM (a few hundred rows),
2. registers two *prototype* candidates through the real services (so every value passed the real
   validation): an eligible woman (the shared example's facts) and a man with a raised creatinine, each
   with consent, labs, serology, echo, SpO2, SLEDAI-2K, EULAR/ACR, treatments and the investigator's
   attestations,
3. clones them in bulk: ``INSERT ... SELECT`` for the candidates, then one ``INSERT ... SELECT`` per record
   table joining the prototypes' rows to the new candidates (the column list comes from the models, so a
   new field is copied without touching this file),
4. inserts the reminders (pending, all due) with one ``INSERT ... SELECT``; steps 3 and 4 run with the
   triggers off (``session_replication_role = replica``): the per-row audit trigger would take most of
   the 15 minutes, then writes the worklists' summaries by evaluating each candidate in screening (the
   hourly sweep's own function),
5. fills the ledger up to ``scale.audit_events`` entries with ``bench_audit.generate`` (generate_series
   over the generated candidates and staff, the chain computed in SQL by the trigger's own hash function,
   so ``verify_audit`` passes).

Eligibility signatures: the prototypes are signed off by their site's investigator through
``signature_sign`` (password and a second factor, as on the signing page): the woman eligible, the man not
eligible (I06b). One candidate in ten of the clones (``SIGNED_EVERY``, both sexes) is then signed by its own
site's investigator with the signing step itself, so its document is its own evaluation (copying the
prototype's would name the prototype's records, and the first correction would void it with fifty
spurious changes); the rest are still in screening.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
PROTOCOL_FILE = CHECKOUT / "trial/protocols/mc-1-50.toml"


@dataclass(frozen=True)
class Scale:
    sites: int = 20
    candidates: int = 10_000
    audit_events: int = 1_000_000  # ledger entries in total, the records' own included
    reminders: int = 100_000

    @property
    def candidates_per_site(self) -> int:
        return max(1, self.candidates // self.sites)


FULL = Scale()
SMOKE = Scale(sites=2, candidates=12, audit_events=4_000, reminders=60)

COORDINATORS_PER_SITE = 3
# Clones whose sequence % SIGNED_EVERY is 0 or 1 are signed (consecutive clones alternate between the two
# prototypes, so both sexes): 1 in 10.
SIGNED_EVERY = 20
# Reminders per candidate: (kind, sequence) pairs, all distinct (the idempotency key is patient+kind+sequence).
REMINDER_SLOTS = (
    [("pregnancy_test_pre_ld", 0)]
    + [("pregnancy_test_monthly", n) for n in range(1, 13)]
    + [("contraception_checkin", n) for n in range(1, 13)]
)


@dataclass
class Dataset:
    """What the measurements need to know about the generated data."""

    password: str
    sites: list[int] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)  # usernames, one per site, site order
    investigators: list[str] = field(default_factory=list)
    monitors: list[str] = field(default_factory=list)  # monitor k watches sites 2k-1 and 2k
    recovery_codes: dict[str, list[str]] = field(default_factory=dict)  # second factor of investigators/monitors
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("password", "sites", "coordinators", "investigators", "monitors",
                                              "recovery_codes", "timings")}


def populate(scale: Scale = FULL, *, log=print) -> Dataset:
    """As the owner role when one is configured: the bulk load switches the triggers off."""
    from trial.db_roles import as_owner

    with as_owner():
        return _populate(scale, log=log)


def _populate(scale: Scale, *, log) -> Dataset:
    import pghistory
    from django.db import connection

    dataset = Dataset(password=secrets.token_urlsafe(16))
    started = time.perf_counter()

    def step(name: str, work, *args):
        begun = time.perf_counter()
        result = work(*args)
        dataset.timings[name] = round(time.perf_counter() - begun, 2)
        log(f"  {name}: {dataset.timings[name]:.1f} s")
        return result

    with pghistory.context(reason="benchmark data set generated"):
        people = step("people", _people, scale, dataset)
        prototypes = step("prototypes", _prototypes, people, dataset.password)
        step("candidates_and_records", _clone, scale, people, prototypes)
        step("signatures", _sign_some, people)
        step("reminders", _reminders, scale)
        step("summaries", _summaries)
    step("audit_top_up", _audit_top_up, scale)
    with connection.cursor() as cursor:
        begun = time.perf_counter()
        cursor.execute("ANALYZE")
        dataset.timings["analyze"] = round(time.perf_counter() - begun, 2)
    dataset.timings["total"] = round(time.perf_counter() - started, 2)
    return dataset


# -- 1. people ------------------------------------------------------------------------------------------------


@dataclass
class People:
    trial: object
    sites: list
    coordinators: dict  # site pk -> [users]
    investigators: dict  # site pk -> user


def _people(scale: Scale, dataset: Dataset) -> People:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from screening.models import ICFVersion, ReferenceRange
    from trial.models import Hospital, Role, Site, StaffRole, Trial
    from trial.protocol_versions import protocol_version_load

    protocol_version_load(text=PROTOCOL_FILE.read_text(encoding="utf-8"), source=str(PROTOCOL_FILE))
    trial = Trial.objects.get(code="MC-1-50")
    user_model = get_user_model()
    password = make_password(dataset.password)  # hashed once: PBKDF2 per user would dominate this step

    def user(username: str, first: str, last: str):
        return user_model.objects.create(username=username, password=password, first_name=first, last_name=last,
                                         email=f"{username}@bench.invalid")

    hospitals = Hospital.objects.bulk_create(
        Hospital(name=f"Bench hospital {n}", city=f"City {n}") for n in range(1, scale.sites + 1)
    )
    sites = Site.objects.bulk_create(
        Site(trial=trial, number=n, hospital=hospital) for n, hospital in enumerate(hospitals, start=1)
    )
    coordinators, investigators, roles = {}, {}, []
    for site in sites:
        coordinators[site.pk] = [user(f"coord{site.number:02d}_{k}", "Coordinator", f"{site.number}-{k}")
                                 for k in range(1, COORDINATORS_PER_SITE + 1)]
        investigators[site.pk] = user(f"inv{site.number:02d}", "Investigator", str(site.number))
        roles += [StaffRole(user=u, site=site, role=Role.COORDINATOR) for u in coordinators[site.pk]]
        roles.append(StaffRole(user=investigators[site.pk], site=site, role=Role.INVESTIGATOR))
    monitors = []
    for k in range(0, scale.sites, 2):
        monitor = user(f"monitor{k // 2 + 1:02d}", "Monitor", str(k // 2 + 1))
        roles += [StaffRole(user=monitor, site=site, role=Role.MONITOR) for site in sites[k:k + 2]]
        monitors.append(monitor)
    StaffRole.objects.bulk_create(roles)

    # Investigators and monitors must pass a second factor: recovery codes, single use, a few each.
    for second_factor_user in [*investigators.values(), *monitors]:
        device = StaticDevice.objects.create(user=second_factor_user, name="recovery codes", confirmed=True)
        codes = [secrets.token_hex(5) for _ in range(4)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        dataset.recovery_codes[second_factor_user.username] = codes

    ranges = {  # the shared example's ranges (ULN 84, 40, 40, 21), for both sexes
        "creatinine": (Decimal("45"), Decimal("84"), "umol/L"), "alt": (Decimal("7"), Decimal("40"), "U/L"),
        "ast": (Decimal("13"), Decimal("40"), "U/L"), "total_bilirubin": (Decimal("3.4"), Decimal("21"), "umol/L"),
    }
    ReferenceRange.objects.bulk_create(
        ReferenceRange(hospital_id=site.hospital_id, site=site, test=test, sex=sex, low=low, high=high, unit=unit)
        for site in sites for sex in ("female", "male") for test, (low, high, unit) in ranges.items()
    )
    ICFVersion.objects.bulk_create(
        ICFVersion(site=site, language="en", label="1.0", ethics_approved_on=dt.date(2025, 1, 10),
                   effective_on=dt.date(2025, 2, 1), pdf="icf/bench-1.0.pdf", sha256="0" * 64,
                   added_by=coordinators[site.pk][0])
        for site in sites
    )
    dataset.sites = [site.pk for site in sites]
    dataset.coordinators = [coordinators[site.pk][0].username for site in sites]
    dataset.investigators = [investigators[site.pk].username for site in sites]
    dataset.monitors = [monitor.username for monitor in monitors]
    return People(trial, sites, coordinators, investigators)


# -- 2. prototypes, through the services ------------------------------------------------------------------------


def _prototypes(people: People, password: str) -> list[int]:
    from django.utils import timezone

    from patients.clock import site_today
    from patients.services import patient_register
    from screening.consent.services import consent_record
    from screening.models import ICFVersion
    from screening.records.services import attestation_record, screening_record_create

    site = people.sites[0]
    coordinator = people.coordinators[site.pk][0]
    investigator = people.investigators[site.pk]
    today = site_today(site)
    icf = ICFVersion.objects.get(site=site)
    prototypes = []
    for sex, initials, creatinine in (("female", "PRF", "70"), ("male", "PRM", "160")):
        patient = patient_register(
            acting_user=coordinator, site=site, initials=initials, date_of_birth=dt.date(1985, 3, 14), sex=sex,
            weight_kg=Decimal("58.0") if sex == "female" else Decimal("72.5"),
            childbearing_potential=sex == "female", full_name=f"Prototype {initials}",
            hospital_record_number=f"H-{initials}",
        )
        signed = timezone.now() - dt.timedelta(days=20)
        consent_record(acting_user=coordinator, patient=patient, icf_version=icf, signer="patient",
                       signed_at=signed, obtained_by=coordinator, copy_given=True)
        on = today - dt.timedelta(days=15)

        def record(kind: str, **values):
            screening_record_create(acting_user=coordinator, kind=kind, patient=patient, values=values)

        for test, value, unit in (("creatinine", creatinine, "umol/L"), ("alt", "30", "U/L"), ("ast", "28", "U/L"),
                                  ("total_bilirubin", "12", "umol/L")):
            record("labs", test=test, value=Decimal(value), unit=unit, collected_on=on)
        record("serology", test="ana", result="positive", titer=640, pattern="homogeneous", collected_on=on)
        record("serology", test="anti_dsdna", result="positive", collected_on=on)
        record("echo", lvef_percent=Decimal("62"), performed_on=on + dt.timedelta(days=2))
        record("spo2", percent=Decimal("97"), room_air=True, measured_on=on)
        if sex == "female":
            record("pregnancy", specimen="serum", result="negative", collected_on=on)
        record("sledai", assessed_on=on + dt.timedelta(days=1),
               descriptors=["arthritis", "proteinuria", "low_complement", "increased_dna_binding"])
        record("eular", assessed_on=on + dt.timedelta(days=1), ana_ever_1_80_hep2=True,
               criteria=["joint_involvement", "proteinuria", "low_c3_and_low_c4", "anti_dsdna_or_anti_smith"])
        for drug, started, stopped, dose in (
            ("hydroxychloroquine", dt.date(2024, 2, 1), None, Decimal("400")),
            ("prednisone", dt.date(2024, 2, 1), None, Decimal("60")),
            ("mycophenolate", dt.date(2024, 3, 1), dt.date(2025, 1, 15), None),
            ("tacrolimus", dt.date(2025, 1, 20), None, None),
            ("belimumab", dt.date(2025, 4, 1), None, None),
        ):
            record("treatments", drug=drug, started_on=started, stopped_on=stopped, dose_mg_per_day=dose)
        for question, answer in (("no_serious_mental_disorder", True), ("apheresis_suitable", True),
                                 ("no_gamete_donation_agreed", True), ("intolerant_to_conventional_therapy", False),
                                 ("liver_involvement", False)):
            attestation_record(acting_user=investigator, patient=patient, question=question, answer=answer)
        attestation_record(acting_user=investigator, patient=patient, question="contraception_agreed", answer=True,
                           contraception_method="iud")
        _sign(investigator, patient, password)
        prototypes.append(patient.pk)
    return prototypes


def _sign(investigator, patient, password: str) -> None:
    """Sign the prototype's eligibility as the investigator would, with a single-use code of their own."""
    from django.test import RequestFactory
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from screening.signoff.selectors import assess
    from screening.signoff.services import signature_sign

    code = secrets.token_hex(5)
    StaticToken.objects.create(device=StaticDevice.objects.get(user=investigator), token=code)
    request = RequestFactory().post("/bench/sign/")
    signature_sign(acting_user=investigator, patient=patient, printed_name=investigator.get_full_name(),
                   password=password, otp_token=code, request=request, language="en",
                   shown_sha256=assess(patient).sha256)


# -- 3. the candidates and their records, cloned in bulk -----------------------------------------------------------


class _TriggersOff:
    """``session_replication_role = replica`` for a bulk load: no per-row pghistory event or ledger entry
    (about 3 ms a row on a busy 2-core machine; 300,000 rows would take a quarter of an hour). The ledger
    is filled in bulk afterwards instead (``_audit_top_up``), with a valid hash chain."""

    def __enter__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")


def _clone(scale: Scale, people: People, prototypes: list[int]) -> None:
    with _TriggersOff():
        _clone_rows(scale, people, prototypes)


def _clone_rows(scale: Scale, people: People, prototypes: list[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, models

    from patients.models import Patient, SiteCounter
    from screening.models import (
        Attestation,
        Consent,
        EchoResult,
        EularAcrAssessment,
        LabResult,
        PregnancyTest,
        SerologyResult,
        SledaiAssessment,
        Spo2Reading,
        Treatment,
    )

    user_model = get_user_model()
    staff_rows = []
    for site in people.sites:
        coordinators = people.coordinators[site.pk]
        for n in range(1, scale.candidates_per_site + 1):
            staff_rows.append((site.pk, site.number, n, coordinators[n % len(coordinators)].pk,
                               people.investigators[site.pk].pk))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
        cursor.execute("""
            CREATE TEMP TABLE bench_new (site_id bigint, site_number int, n int, coordinator_id bigint,
                                         investigator_id bigint, proto_id bigint, sequence int,
                                         screening_number text, patient_id bigint, icf_id bigint)
        """)
        # One statement over arrays: pghistory's execute wrapper does not handle executemany.
        cursor.execute(
            "INSERT INTO bench_new (site_id, site_number, n, coordinator_id, investigator_id)"
            " SELECT * FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::bigint[], %s::bigint[])",
            [list(column) for column in zip(*staff_rows)],
        )
        cursor.execute(
            """
            UPDATE bench_new b SET
                proto_id = (%s::bigint[])[1 + b.n %% %s],
                sequence = b.n + coalesce((SELECT max(sequence) FROM patients_patient p
                                            WHERE p.site_id = b.site_id), 0),
                icf_id = (SELECT id FROM screening_icfversion i WHERE i.site_id = b.site_id ORDER BY id LIMIT 1)
            """,
            [prototypes, len(prototypes)],
        )
        cursor.execute("UPDATE bench_new SET screening_number = lpad(site_number::text, 2, '0') || '-'"
                       " || lpad(sequence::text, 4, '0')")

        patient_overrides = {
            "site_id": "b.site_id", "sequence": "b.sequence", "screening_number": "b.screening_number",
            "initials": " || ".join(["chr(65 + (random() * 25)::int)"] * 3),
            "date_of_birth": "r.date_of_birth - (random() * 9000)::int",
            "full_name": "'Bench candidate ' || b.screening_number",
            "hospital_record_number": "'H' || b.site_number || '-' || b.n",
            "registered_by_id": "b.coordinator_id",
            "registered_at": "now() - (random() * interval '60 days')",
            "status": "'screening'",  # the prototypes are signed; a clone is until _sign_some signs it
            "version": "1",
        }
        _copy_rows(cursor, Patient, "r.id = b.proto_id", patient_overrides, source_alias="r", join="bench_new b",
                   id_column="id")
        cursor.execute("""
            UPDATE bench_new b SET patient_id = p.id
              FROM patients_patient p WHERE p.screening_number = b.screening_number
        """)

        user_columns = {"entered_by_id", "recorded_by_id", "obtained_by_id", "added_by_id"}
        for model in (Consent, LabResult, SerologyResult, EchoResult, Spo2Reading, PregnancyTest, SledaiAssessment,
                      EularAcrAssessment, Treatment, Attestation):
            overrides = {"patient_id": "b.patient_id"}
            for fk in model._meta.concrete_fields:
                if isinstance(fk, models.ForeignKey) and fk.related_model is user_model:
                    # The prototype's investigator stays an investigator, its coordinator a coordinator.
                    overrides[fk.column] = (
                        f"CASE WHEN r.{fk.column} IS NULL THEN NULL"
                        f" WHEN r.{fk.column} IN (SELECT user_id FROM trial_staffrole WHERE role = 'investigator')"
                        f" THEN b.investigator_id ELSE b.coordinator_id END"
                    )
                    user_columns.discard(fk.column)
            if model is Consent:
                overrides["icf_version_id"] = "b.icf_id"
            _copy_rows(cursor, model, "r.patient_id = b.proto_id", overrides, source_alias="r", join="bench_new b")

        cursor.execute(f"""
            INSERT INTO {SiteCounter._meta.db_table} (site_id, last_sequence)
            SELECT site_id, max(sequence) FROM patients_patient GROUP BY site_id
            ON CONFLICT (site_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence
        """)
        cursor.execute("DROP TABLE bench_new")


def _copy_rows(cursor, model, condition: str, overrides: dict[str, str], *, source_alias: str, join: str,
               id_column: str = "id") -> None:
    """``INSERT INTO model SELECT`` the rows of ``model`` matching ``condition``, once per row of ``join``,
    every column copied unless ``overrides`` gives an expression for it (the primary key is left to its
    sequence)."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(column, f"{source_alias}.{column}") for column in columns]
    quoted = ", ".join(f'"{column}"' for column in columns)
    cursor.execute(
        f'INSERT INTO "{table}" ({quoted}) SELECT {", ".join(values)} FROM "{table}" {source_alias} JOIN {join} '
        f"ON {condition} ORDER BY 1"
    )


def _sign_some(people: People) -> int:
    """Sign one clone in ten through the signing step (evaluation, document, hash, status), as the site's
    investigator. ``signature_sign`` would first re-authenticate: a password hash per signature, minutes
    here. Returns how many were signed; a candidate the engine cannot decide is left unsigned."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from patients.models import Patient
    from screening.signoff.selectors import assess
    from screening.signoff.services import _sign_locked

    signed = 0
    candidates = (Patient.objects.filter(full_name__startswith="Bench candidate").select_related("site__trial")
                  .order_by("pk"))
    with _TriggersOff():
        for patient in candidates:
            if patient.sequence % SIGNED_EVERY > 1:
                continue
            investigator = people.investigators[patient.site_id]
            try:
                with transaction.atomic():
                    # The hash the signing page would have shown: signing needs it (about 10 ms each).
                    shown = assess(patient)
                    if shown is None:
                        continue
                    _sign_locked(investigator, patient, investigator.get_full_name(), shown.sha256, "en")
            except ValidationError:
                continue
            signed += 1
    return signed


# -- 4. reminders ---------------------------------------------------------------------------------------------------


def _reminders(scale: Scale) -> None:
    """``scale.reminders`` pending reminders, all due: three in ten past the overdue limit (the sweep
    tells coordinators and investigators), the rest due in the last week (coordinators)."""
    with _TriggersOff():
        _reminder_rows(scale)


def _reminder_rows(scale: Scale) -> None:
    from django.db import connection

    slots = len(REMINDER_SLOTS)
    kinds = [kind for kind, _ in REMINDER_SLOTS]
    sequences = [sequence for _, sequence in REMINDER_SLOTS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH patients AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, site_id FROM patients_patient p
                 WHERE NOT EXISTS (SELECT 1 FROM followup_reminder r WHERE r.patient_id = p.id)
            ), wanted AS (
                SELECT g - 1 AS g FROM generate_series(1, %(reminders)s) g
            )
            INSERT INTO followup_reminder (patient_id, site_id, kind, sequence, due_date, status, created_at,
                                           cancel_reason, pregnancy_test_result, contraception_method)
            SELECT p.id, p.site_id, (%(kinds)s::text[])[1 + w.g / (SELECT count(*) FROM patients)],
                   (%(sequences)s::int[])[1 + w.g / (SELECT count(*) FROM patients)],
                   current_date - CASE WHEN random() < 0.3 THEN 8 + (random() * 60)::int ELSE (random() * 6)::int END,
                   'pending', now() - interval '1 year', '', '', ''
              FROM wanted w JOIN patients p ON p.k = w.g %% (SELECT count(*) FROM patients)
             WHERE w.g / (SELECT count(*) FROM patients) < %(slots)s
             ORDER BY 1
            """,
            {"reminders": scale.reminders, "kinds": kinds, "sequences": sequences, "slots": slots},
        )


# -- 5. the ledger, topped up --------------------------------------------------------------------------------------


def _audit_top_up(scale: Scale) -> dict:
    from django.db import connection

    from bench import bench_audit

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trial_auditentry")
        existing = cursor.fetchone()[0]
    missing = scale.audit_events - existing
    if missing <= 0:
        return {}
    timings = bench_audit.generate(missing)
    with connection.cursor() as cursor:  # its scratch tables, so it can run again on this connection
        cursor.execute("DROP TABLE IF EXISTS bench_rows, bench_chain, bench_patients, bench_staff")
    return timings


def _summaries() -> None:
    """The worklists' summaries, as the hourly sweep writes them (the bulk clone writes none): the candidates
    in screening are evaluated one by one."""
    from screening.signoff.summaries import summaries_refresh_stale

    summaries_refresh_stale()


# -- more of the same, for tests that check a page's query count does not grow with the data -------------------


def add_candidates(per_site: int, reminders_each: int = 4) -> None:
    """Clone ``per_site`` more candidates with all their records at every site, and give each new candidate
    ``reminders_each`` due reminders. Needs a data set made by ``populate``."""
    from django.contrib.auth import get_user_model

    from patients.models import Patient
    from trial.models import Role, Site

    user_model = get_user_model()
    sites = list(Site.objects.order_by("number"))
    people = People(
        trial=sites[0].trial, sites=sites,
        coordinators={site.pk: list(user_model.objects.filter(site_roles__site=site, site_roles__role=Role.COORDINATOR)
                                    .order_by("pk")) for site in sites},
        investigators={site.pk: user_model.objects.filter(site_roles__site=site, site_roles__role=Role.INVESTIGATOR)
                       .order_by("pk").first() for site in sites},
    )
    prototypes = list(Patient.objects.filter(initials__in=["PRF", "PRM"], full_name__startswith="Prototype")
                      .order_by("pk").values_list("pk", flat=True))
    scale = Scale(sites=len(sites), candidates=per_site * len(sites), reminders=0)
    from trial.db_roles import as_owner

    with as_owner():  # the clone switches the triggers off
        _clone(scale, people, prototypes)
        _reminders(Scale(sites=len(sites), reminders=per_site * len(sites) * reminders_each))


# -- command line: generate into a database (run.py calls this in a subprocess) -----------------------------------

DATASET_TABLE = "bench_dataset"


def store_dataset(dataset: Dataset, fingerprint: str) -> None:
    """Keep what the measurements need in the generated database itself, so a copy carries it."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {DATASET_TABLE} (fingerprint text NOT NULL, dataset jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {DATASET_TABLE} VALUES (%s, %s)", [fingerprint, json.dumps(dataset.as_dict())])


def load_dataset() -> Dataset:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT dataset FROM {DATASET_TABLE}")
        stored = cursor.fetchone()[0]
    return Dataset(**(json.loads(stored) if isinstance(stored, str) else stored))  # Django leaves jsonb as text


def main() -> int:
    import argparse
    import os
    import sys

    sys.path.insert(0, str(CHECKOUT))
    parser = argparse.ArgumentParser(description="Generate the benchmark data set into a migrated, empty database.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", choices=["full", "smoke"], default="full")
    parser.add_argument("--fingerprint", default="")
    parser.add_argument("--migrated", action="store_true", help="the database is a copy of a migrated one")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    if not args.migrated:
        call_command("migrate", verbosity=0)
    print(f"  migrate: {time.perf_counter() - started:.1f} s", flush=True)
    dataset = populate(FULL if args.scale == "full" else SMOKE, log=lambda line: print(line, flush=True))
    dataset.timings["migrate"] = round(time.perf_counter() - started - dataset.timings["total"], 2)
    store_dataset(dataset, args.fingerprint)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
