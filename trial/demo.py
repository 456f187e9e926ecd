"""The demo trial of the public record: MC-1-50, its two sites, and one account per role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from trial.audit import with_reason
from trial.models import Hospital, Role, Site, StaffName, StaffRole, Trial


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str  # in pinyin, as the account's first and last names
    chinese_name: str
    role: str | None  # None: sponsor admin (Django admin)
    site_numbers: tuple[int, ...]


SITES = [
    (1, "Anhui Provincial Hospital (First Affiliated Hospital of USTC)", "安徽省立医院（中国科学技术大学附属第一医院）",
     "Hefei"),
    (2, "Second Affiliated Hospital of Zhejiang University School of Medicine", "浙江大学医学院附属第二医院",
     "Hangzhou"),
]

ACCOUNTS = [
    DemoAccount("coord.hefei", "Wang Fang", "王芳", Role.COORDINATOR, (1,)),
    DemoAccount("inv.hefei", "Li Wei", "李伟", Role.INVESTIGATOR, (1,)),
    DemoAccount("coord.hangzhou", "Zhang Min", "张敏", Role.COORDINATOR, (2,)),
    DemoAccount("inv.hangzhou", "Chen Jing", "陈静", Role.INVESTIGATOR, (2,)),
    DemoAccount("monitor", "Liu Yang", "刘洋", Role.MONITOR, (1, 2)),
    DemoAccount("sponsor.admin", "Zhao Lei", "赵磊", None, ()),
]


def demo_load() -> list[tuple[str, str, str]] | None:
    """Create the demo trial, sites and accounts. Returns (username, role, password) per account
    created, or None when the demo is already there (a second run changes nothing)."""
    if Site.objects.filter(trial__code="MC-1-50").exists():
        return None
    created = []
    with transaction.atomic(), with_reason("demo data loaded"):
        # The trial may exist already: loading its protocol creates it.
        trial, _ = Trial.objects.update_or_create(
            code="MC-1-50",
            defaults={
                "title": "Phase I trial of CD19 CAR-T (MC-1-50) in refractory adult systemic lupus erythematosus",
                "registry_id": "NCT06892145",
                "sponsor": "Chongqing Precision Biotech",
            },
        )
        sites = {
            number: Site.objects.create(trial=trial, number=number, hospital=Hospital.objects.get_or_create(
                name=name, city=city, defaults={"name_zh": name_zh})[0])
            for number, name, name_zh, city in SITES
        }
        User = get_user_model()
        for account in ACCOUNTS:
            # Generated per installation, never written in code: the demo still runs on real logins.
            password = secrets.token_urlsafe(12)
            first, last = account.full_name.split(" ", 1)
            user = User.objects.create_user(
                account.username, password=password, first_name=first, last_name=last,
                is_staff=account.role is None, is_superuser=account.role is None,
            )
            StaffName.objects.create(user=user, name=account.chinese_name)
            for number in account.site_numbers:
                StaffRole.objects.create(user=user, site=sites[number], role=account.role)
            created.append((account.username, account.role or "sponsor admin", password))
    return created
