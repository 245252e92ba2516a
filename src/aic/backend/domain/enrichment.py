"""Lead enrichment from the form alone: company domain, free-mail and disposable mail, segment."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DISPOSABLE_DOMAINS",
    "ENTERPRISE_MIN_EMPLOYEES",
    "FREE_MAIL_BRANDS",
    "FREE_MAIL_DOMAINS",
    "SEGMENTS",
    "Enrichment",
    "email_domain",
    "enrich",
    "is_disposable",
    "is_free_mail",
    "segment_for",
]

ENTERPRISE_MIN_EMPLOYEES = 250  # smb < 250 <= enterprise
SEGMENTS = ("smb", "enterprise", "unknown")

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "msn.com", "ymail.com", "rocketmail.com", "aim.com",
        "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "protonmail.ch",
        "pm.me", "tutanota.com", "tutanota.de", "tuta.io", "web.de", "t-online.de",
        "freenet.de", "posteo.de", "mailbox.org", "zoho.com", "zohomail.com", "fastmail.com",
        "hey.com", "mail.com", "email.com", "yandex.ru", "yandex.com", "mail.ru", "inbox.ru",
        "qq.com", "163.com", "126.com", "sina.com", "naver.com", "hanmail.net", "orange.fr",
        "wanadoo.fr", "free.fr", "laposte.net", "libero.it", "virgilio.it", "btinternet.com",
        "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "seznam.cz", "wp.pl",
        "o2.pl", "onet.pl", "interia.pl", "rediffmail.com",
    }
)  # fmt: skip

# Providers that run one service under many country domains (yahoo.co.uk, gmx.at, live.de).
FREE_MAIL_BRANDS = frozenset({"yahoo", "hotmail", "outlook", "live", "gmx", "aol"})
# A brand counts only under these suffixes, so that e.g. live.example.com stays a company.
_BRAND_SUFFIXES = frozenset(
    {
        "com", "net", "de", "fr", "it", "es", "at", "ch", "nl", "be", "se", "dk", "no", "fi",
        "pl", "ie", "pt", "gr", "cz", "ca", "jp", "in", "co.uk", "co.jp", "co.in", "co.nz",
        "co.za", "com.au", "com.br", "com.mx", "com.ar", "com.sg", "com.tr",
    }
)  # fmt: skip

DISPOSABLE_DOMAINS = frozenset(
    {
        "mailinator.com", "10minutemail.com", "10minutemail.net", "guerrillamail.com",
        "guerrillamail.net", "guerrillamail.org", "guerrillamail.biz", "guerrillamail.de",
        "guerrillamailblock.com", "sharklasers.com", "grr.la", "pokemail.net", "spam4.me",
        "yopmail.com", "yopmail.fr", "yopmail.net", "temp-mail.org", "temp-mail.io",
        "tempmail.net", "tempmailo.com", "tempr.email", "tempinbox.com", "tempail.com",
        "discard.email", "discardmail.com", "discardmail.de", "throwawaymail.com",
        "trashmail.com", "trashmail.de", "trashmail.net", "trashmail.me", "trash-mail.com",
        "wegwerfmail.de", "wegwerfmail.net", "einrot.com", "spamgourmet.com", "mailnesia.com",
        "maildrop.cc", "mailcatch.com", "getnada.com", "nada.email", "dispostable.com",
        "mintemail.com", "mohmal.com", "fakeinbox.com", "emailondeck.com", "mytemp.email",
        "spambox.us", "mailnull.com", "mailexpire.com", "getairmail.com", "burnermail.io",
        "harakirimail.com", "inboxkitten.com", "anonbox.net", "emailfake.com", "dropmail.me",
        "10mail.org", "minuteinbox.com", "mailpoof.com", "moakt.com", "mailforspam.com",
        "byom.de", "sofort-mail.de", "armyspy.com", "cuvox.de", "dayrep.com", "gustr.com",
        "jourrapide.com", "rhyta.com", "superrito.com", "teleworm.us",
    }
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Enrichment:
    """The data of a ``LeadEnriched`` event, derived only from the captured form."""

    company_domain: str | None  # None when the address says nothing about the company
    free_mail: bool
    disposable: bool
    segment: str  # one of SEGMENTS


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def is_free_mail(domain: str) -> bool:
    if domain in FREE_MAIL_DOMAINS:
        return True
    brand, _, suffix = domain.partition(".")
    return brand in FREE_MAIL_BRANDS and suffix in _BRAND_SUFFIXES


def is_disposable(domain: str) -> bool:
    """Also true for subdomains: several throwaway services hand out ``x.mailinator.com``."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in DISPOSABLE_DOMAINS for i in range(len(labels) - 1))


def segment_for(company_size: int | None, *, free_mail: bool = False) -> str:
    """The stated size decides; without it, a free-mail address implies a small business.

    Enterprise buyers write from their company's domain, while freelancers and very small
    firms commonly use free mail, so ``smb`` is the better guess than ``unknown`` there.
    """
    if company_size is not None:
        return "enterprise" if company_size >= ENTERPRISE_MIN_EMPLOYEES else "smb"
    return "smb" if free_mail else "unknown"


def enrich(email: str, company_size: int | None) -> Enrichment:
    """Deterministic: the same form gives the same enrichment, so re-running it is harmless.

    The company domain is the whole mail domain (``eu.acme.com`` stays as it is): reducing it
    to the registrable domain needs the public-suffix list, which this module does not ship.
    """
    domain = email_domain(email)
    free_mail = is_free_mail(domain)
    disposable = not free_mail and is_disposable(domain)
    return Enrichment(
        company_domain=None if free_mail or disposable else domain,
        free_mail=free_mail,
        disposable=disposable,
        segment=segment_for(company_size, free_mail=free_mail),
    )
