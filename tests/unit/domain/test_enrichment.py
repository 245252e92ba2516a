"""Enrichment derives company domain, free-mail and disposable flags and segment from the form."""

from __future__ import annotations

import pytest

from aic.backend.domain.enrichment import (
    DISPOSABLE_DOMAINS,
    FREE_MAIL_DOMAINS,
    Enrichment,
    enrich,
    is_disposable,
    is_free_mail,
    segment_for,
)


def test_a_company_address_gives_its_mail_domain_as_the_company_domain() -> None:
    assert enrich("Ana@Acme-Industrial.COM", 1200) == Enrichment(
        company_domain="acme-industrial.com",
        free_mail=False,
        disposable=False,
        segment="enterprise",
    )


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.de",
        "hotmail.co.uk",
        "hotmail.fr",
        "yahoo.com",
        "yahoo.co.jp",
        "yahoo.com.br",
        "gmx.de",
        "gmx.at",
        "gmx.net",
        "web.de",
        "proton.me",
        "icloud.com",
        "live.de",
        "aol.com",
    ],
)
def test_common_free_mail_providers_and_their_country_domains_are_free_mail(domain: str) -> None:
    assert is_free_mail(domain)


@pytest.mark.parametrize(
    "domain", ["acme.com", "live.example.com", "yahoo-partners.com", "gmxtools.de", "mail.acme.de"]
)
def test_company_domains_that_resemble_a_free_mail_brand_are_not_free_mail(domain: str) -> None:
    assert not is_free_mail(domain)


def test_a_free_mail_address_has_no_company_domain_and_implies_smb_without_a_size() -> None:
    assert enrich("ana.lima@gmail.com", None) == Enrichment(
        company_domain=None, free_mail=True, disposable=False, segment="smb"
    )


def test_a_stated_company_size_decides_the_segment_even_for_free_mail() -> None:
    assert enrich("ana.lima@yahoo.co.uk", 5000).segment == "enterprise"


def test_a_company_address_without_a_size_has_an_unknown_segment() -> None:
    assert enrich("ana@acme.com", None).segment == "unknown"


@pytest.mark.parametrize(
    ("employees", "segment"),
    [(1, "smb"), (249, "smb"), (250, "enterprise"), (90_000, "enterprise")],
)
def test_smb_ends_below_250_employees_where_enterprise_begins(employees: int, segment: str) -> None:
    assert segment_for(employees) == segment


@pytest.mark.parametrize(
    "domain",
    ["mailinator.com", "10minutemail.com", "guerrillamail.com", "yopmail.fr", "abc.mailinator.com"],
)
def test_disposable_domains_and_their_subdomains_are_detected(domain: str) -> None:
    assert is_disposable(domain)


def test_a_disposable_address_has_no_company_domain() -> None:
    assert enrich("x1@mailinator.com", None) == Enrichment(
        company_domain=None, free_mail=False, disposable=True, segment="unknown"
    )


def test_a_company_whose_domain_ends_like_a_disposable_one_is_not_disposable() -> None:
    assert not is_disposable("notmailinator.com")
    assert not is_disposable("com")


def test_enrichment_is_deterministic() -> None:
    assert enrich("ana@acme.com", 10) == enrich("ana@acme.com", 10)


def test_the_shipped_lists_are_substantial_lower_case_and_disjoint() -> None:
    assert len(FREE_MAIL_DOMAINS) >= 40
    assert len(DISPOSABLE_DOMAINS) >= 60
    assert not FREE_MAIL_DOMAINS & DISPOSABLE_DOMAINS
    assert all(d == d.lower().strip() for d in FREE_MAIL_DOMAINS | DISPOSABLE_DOMAINS)
