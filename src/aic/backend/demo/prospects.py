"""Who each demo lead is: a persona, and the form that persona would plausibly submit."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import MutableSet
from dataclasses import dataclass

from aic.backend.demo.people import (
    COMPANIES,
    COMPETITOR,
    DISPOSABLE_MAIL,
    FIRST_NAMES,
    FREE_MAIL,
    LAST_NAMES,
    Firm,
)
from aic.backend.demo.visits import Campaign

__all__ = ["PERSONAS", "Prospect", "make_prospect"]

# persona -> weight; junk covers disposable addresses, students and a competitor's staff
PERSONAS = {"enterprise_buyer": 20, "smb_buyer": 22, "researcher": 38, "casual": 12, "junk": 8}

_TITLES = {
    "enterprise_buyer": (
        "Head of Operations", "Director of Procurement", "VP Finance", "Chief Operating Officer",
        "IT Director", "Head of People", "Finance Director", "Procurement Manager",
        "Shared Services Manager",
    ),
    "smb_buyer": (
        "Founder", "Owner", "Operations Manager", "Office Manager", "Finance Manager",
        "Practice Manager", "Managing Partner",
    ),
    "researcher": (
        "Operations Analyst", "Business Analyst", "Process Improvement Lead", "HR Manager",
        "Accounts Payable Specialist", "Project Manager", "IT Manager", "",
    ),
    "casual": ("", "", "", "Consultant", "Freelancer", "Executive Assistant"),
}  # fmt: skip
_MESSAGES = {
    "enterprise_buyer": (
        "We approve about 400 supplier invoices a month by email and want to see Flow with "
        "NetSuite.",
        "Looking for a workflow platform with SAML single sign-on and UK data residency for "
        "claims exceptions.",
        "We are replacing a home-grown approvals tool and need SAP S/4HANA and a full audit trail.",
        "Please show us onboarding workflows with Workday and ServiceNow for 3,000 employees.",
        "Our procurement team needs parallel approvals and SLA escalation across six countries.",
        "",
    ),
    "smb_buyer": (
        "We are about 30 people and approve purchases in Slack. Keen to try Flow with Xero.",
        "Need a simple time-off and expenses process for our two offices.",
        "Comparing Starter and Growth for our clinics, mainly for SLA timers.",
        "Can we connect QuickBooks Online on the Starter plan?",
        "",
    ),
    "researcher": (
        "",
        "",
        "Interested in the benchmark report.",
        "Gathering ideas for next year's process review.",
    ),
    "casual": ("", "", "", "just browsing"),
}
_CAMPAIGNS = (
    Campaign("google", "cpc", "workflow-automation-software", "https://www.google.com/"),
    Campaign("linkedin", "paid-social", "enterprise-sso-guide", "https://www.linkedin.com/"),
    Campaign("newsletter", "email", "nexus-weekly"),
    Campaign("g2", "referral", None, "https://www.g2.com/"),
    Campaign("partner", "referral", "partner-directory"),
    Campaign("bing", "cpc", "approval-software", "https://www.bing.com/"),
    Campaign(None, None, None, "https://duckduckgo.com/"),
    Campaign(None, None, None, "https://www.google.com/"),
    Campaign(None, None, None, None),
    Campaign(None, None, None, None),
)
_PORTALS = {
    "enterprise_buyer": ("enterprise",) * 7 + ("main",) * 3,
    "smb_buyer": ("smb",) * 3 + ("main",),
    "researcher": ("nexus",) * 4 + ("main",),
    "casual": ("nexus", "nexus", "main", "smb"),
    "junk": ("main", "smb", "nexus"),
}
_PHONE_CHANCE = {"enterprise_buyer": 0.6, "smb_buyer": 0.45, "researcher": 0.15, "casual": 0.05}


@dataclass(frozen=True, slots=True)
class Prospect:
    persona: str
    kind: str  # the persona, or for junk: disposable | student | competitor
    name: str
    email: str
    company: str | None
    company_size: int | None  # as stated on the form; None when left blank
    firm_size: int | None  # the real size, which the deal's seats follow
    job_title: str | None
    phone: str | None
    message: str
    portal: str
    campaign: Campaign
    consent: bool


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _address(rng: random.Random, first: str, last: str, domain: str, used: MutableSet[str]) -> str:
    styles = (f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[0]}{_ascii(last)}")
    local = rng.choice(styles)
    if domain in FREE_MAIL:
        local += str(rng.randint(1, 99))
    address = f"{local}@{domain}"
    while address in used:
        address = f"{local}{rng.randint(2, 999)}@{domain}"
    used.add(address)
    return address


def _phone(rng: random.Random) -> str:
    # Both ranges are reserved for fiction by the UK and US numbering plans.
    if rng.random() < 0.6:
        return f"+44 20 7946 0{rng.randint(0, 999):03d}"
    return f"+1 512 555 01{rng.randint(0, 99):02d}"


def _firm(rng: random.Random, persona: str) -> Firm:
    if persona == "enterprise_buyer":
        return rng.choice([f for f in COMPANIES if f.employees >= 250])
    if persona == "smb_buyer":
        return rng.choice([f for f in COMPANIES if f.employees < 250])
    return rng.choice(COMPANIES)


def make_prospect(rng: random.Random, persona: str, used: MutableSet[str]) -> Prospect:
    """A plausible person for ``persona``; ``used`` keeps every e-mail address unique."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    kind = persona
    if persona == "junk":
        kind = rng.choice(("disposable", "disposable", "student", "competitor"))
    company_mail = {
        "enterprise_buyer": 1.0, "smb_buyer": 0.85, "researcher": 0.6, "casual": 0.15,
        "competitor": 1.0,
    }.get(kind, 0.0)  # fmt: skip
    firm: Firm | None = COMPETITOR if kind == "competitor" else _firm(rng, persona)
    if kind == "disposable":
        domain = rng.choice(DISPOSABLE_MAIL)
    elif firm is not None and rng.random() < company_mail:
        domain = firm.domain
    else:
        domain = rng.choice(FREE_MAIL)
        if persona != "smb_buyer":
            firm = None  # free mail and no company named: a private person as far as we know
    stated = firm is not None and rng.random() < 0.75
    title = {"student": "Student", "competitor": "Product Marketing Manager"}.get(
        kind, rng.choice(_TITLES.get(persona, ("",)))
    )
    message = rng.choice(_MESSAGES.get(persona, ("",)))
    if kind == "student":
        message = "I am writing my thesis on workflow automation and would love some data."
    elif kind == "competitor":
        message = "We would like to understand your enterprise pricing in detail."
    return Prospect(
        persona=persona,
        kind=kind,
        name=f"{first} {last}",
        email=_address(rng, first, last, domain, used),
        company=firm.name if firm else None,
        company_size=firm.employees if firm and stated else None,
        firm_size=firm.employees if firm else None,
        job_title=title or None,
        phone=_phone(rng) if rng.random() < _PHONE_CHANCE.get(persona, 0.0) else None,
        message=message,
        portal=rng.choice(_PORTALS[persona]),
        campaign=rng.choice(_CAMPAIGNS),
        consent=rng.random() < 0.6,
    )
