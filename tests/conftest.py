"""Fixtures shared by the whole suite: the embedded services, a trial with two sites, and staff."""

from __future__ import annotations

import pgtrigger
import pytest
from django.conf import settings as django_settings
from django.db.backends.postgresql.operations import DatabaseOperations
from django.utils import translation

from django_otp import DEVICE_ID_SESSION_KEY

from tests import factories
from tests.roles import every_trigger, owner_cursor
from trial import db_roles, embedded
from trial.two_factor import requires_two_factor

PASSWORD = factories.PASSWORD


def pytest_configure(config) -> None:
    # Real PostgreSQL and Redis: the embedded pair unless DATABASE_URL / REDIS_URL are set.
    embedded.ensure_started()
    # Transactional tests end with a TRUNCATE of every table. The runtime role may truncate nothing and the
    # audit tables refuse TRUNCATE (both refusals are tested), so only the test database's flush, run as the
    # owner role, steps past the guard.
    original_flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        if _owner_settings() is None:
            with pgtrigger.ignore():
                return original_flush(self, sql_list)
        # A connection of its own as the owner: Django's test case guards the "owner" alias.
        with owner_cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, false)", [every_trigger()])
            for sql in sql_list:
                cursor.execute(sql)

    DatabaseOperations.execute_sql_flush = execute_sql_flush


def pytest_collection_modifyitems(items) -> None:
    """Each test's requirement ids travel with its result (JUnit XML properties, also from xdist's workers):
    ``manage.py validate`` builds the traceability matrix from them."""
    for item in items:
        ids = sorted({found for mark in item.iter_markers("requirement") for found in mark.args})
        if ids:
            item.user_properties.append(("requirements", " ".join(ids)))


def _owner_settings() -> dict | None:
    return django_settings.DATABASES.get("owner")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """The test databases are created and migrated as the owner role (the runtime role may create nothing);
    ``django_db_setup`` below hands the connection to the runtime role for the tests themselves."""
    from django.db import connections

    owner = _owner_settings()
    if owner is not None:
        connection = connections["default"]
        connection.close()
        connection.settings_dict.update({key: owner.get(key, "") for key in db_roles.CREDENTIALS})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Tests run as the runtime role of DATABASE_URL, as the web app does; the database is dropped as the
    owner at the end. A test that plays the owner (an attacker holding its credentials, a bulk load) uses
    the ``owner`` connection."""
    from django.db import connections

    if _owner_settings() is None:
        yield
        return
    connection = connections["default"]
    runtime = {**connection.settings_dict, **django_settings.DATABASE_RUNTIME_ROLE}  # same server, other role
    with db_roles.credentials_of(connection, runtime):
        yield


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A page request leaves its user's language active on the thread (as in production, where the next
    request activates its own): each test starts in the default language, English."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_speedups(settings):
    """Templates resolve {% static %} without a collectstatic run (production uses the manifest), and
    test passwords hash in microseconds instead of PBKDF2's deliberate half second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _audit_checkpoints_of_the_test(settings, tmp_path, monkeypatch):
    """Each test signs and reads checkpoints of its own database only (a subprocess it starts too), never the
    checkout's."""
    folder, key = tmp_path / "audit-checkpoints", tmp_path / "audit-checkpoint-key.pem"
    settings.AUDIT_CHECKPOINT_DIR, settings.AUDIT_CHECKPOINT_KEY = folder, key
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", str(folder))
    monkeypatch.setenv("AUDIT_CHECKPOINT_KEY", str(key))


@pytest.fixture
def trial(db):
    return factories.create_trial()


@pytest.fixture
def protocol_version(trial, settings):
    """The demo protocol (trial/protocols/mc-1-50.toml) loaded for ``trial``: data entry and the
    eligibility checklist need a protocol in force."""
    from trial.protocol_versions import protocol_version_load

    text = (settings.BASE_DIR / "trial" / "protocols" / "mc-1-50.toml").read_text(encoding="utf-8")
    return protocol_version_load(text=text).version


@pytest.fixture
def site_a(trial):
    return factories.create_site(trial, number=1, name="Anhui Provincial Hospital", city="Hefei")


@pytest.fixture
def site_b(trial):
    return factories.create_site(trial, number=2, name="Second Affiliated Hospital of ZJU", city="Hangzhou")


@pytest.fixture
def coordinator_a(site_a):
    return factories.create_staff("coord_a", "coordinator", site_a)


@pytest.fixture
def investigator_a(site_a):
    return factories.create_staff("inv_a", "investigator", site_a)


@pytest.fixture
def monitor_a(site_a):
    return factories.create_staff("monitor_a", "monitor", site_a)


@pytest.fixture
def coordinator_b(site_b):
    return factories.create_staff("coord_b", "coordinator", site_b)


@pytest.fixture
def sponsor_admin(db):
    return factories.create_sponsor_admin("sponsor")


@pytest.fixture
def patient_a(site_a, coordinator_a):
    return factories.create_patient(site_a, registered_by=coordinator_a)


@pytest.fixture
def patient_b(site_b, coordinator_b):
    return factories.create_patient(site_b, registered_by=coordinator_b)


@pytest.fixture
def consented(protocol_version, patient_a, coordinator_a):
    """Candidate A, consented ten days ago, at a site with its reference ranges (ULN creatinine 84 umol/L)."""
    import datetime as dt

    from patients.clock import site_today
    from tests.screening.records_setup import consent, reference_ranges

    consent(patient_a, coordinator_a, site_today(patient_a.site) - dt.timedelta(days=10))
    reference_ranges(patient_a.site)
    return patient_a


@pytest.fixture
def client_of(client):
    """``client_of(user)``: the test client logged in as that user."""

    def login(user):
        client.force_login(user)
        if requires_two_factor(user):
            # Investigators and monitors: a session that has passed the second factor too.
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = factories.create_totp_device(user).persistent_id
            session.save()
        return client

    return login



@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup, django_db_blocker):
    """Playwright's sync API runs fixture teardown in another context, whose Django connection is
    left open; end such sessions so the test database can be dropped at the end of the run."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
