"""The demo's people: Brindlewood's staff accounts, and the names and firms its leads come from."""

from __future__ import annotations

from dataclasses import dataclass

from aic.backend.demo.product import COMPANY

__all__ = [
    "COMPANIES",
    "COMPETITOR",
    "DISPOSABLE_MAIL",
    "FIRST_NAMES",
    "FREE_MAIL",
    "LAST_NAMES",
    "STAFF",
    "Firm",
    "StaffMember",
]


@dataclass(frozen=True, slots=True)
class StaffMember:
    key: str  # short handle used in idempotency keys and as the actor of their edits
    display_name: str
    roles: tuple[str, ...]

    @property
    def email(self) -> str:
        first, _, last = self.display_name.lower().partition(" ")
        return f"{first}.{last.replace(' ', '')}@{COMPANY.domain}"


STAFF = (
    StaffMember("admin", "Noor Achterberg", ("admin",)),
    StaffMember("editor-1", "Priya Raman", ("editor",)),
    StaffMember("editor-2", "Callum Hewitt", ("editor",)),
    StaffMember("sales-1", "Jonas Lindqvist", ("sales",)),
    StaffMember("sales-2", "Amara Osei", ("sales",)),
    StaffMember("sales-3", "Diego Ferraz", ("sales",)),
    StaffMember("analyst", "Hana Kobayashi", ("analyst",)),
    StaffMember("viewer", "Felix Brandt", ("viewer",)),
)


@dataclass(frozen=True, slots=True)
class Firm:
    """A prospect's company; every domain is under the reserved ``.example`` top level."""

    name: str
    industry: str
    employees: int

    @property
    def domain(self) -> str:
        stem = "".join(c for c in self.name.lower() if c.isalnum())
        return f"{stem}.example"


COMPANIES = (
    Firm("Aldermoor Logistics", "logistics", 640),
    Firm("Bexley Cold Chain", "logistics", 2_300),
    Firm("Calder & Wynn Insurance", "insurance", 5_200),
    Firm("Northgate Mutual", "insurance", 1_150),
    Firm("Ostwald Components", "manufacturing", 860),
    Firm("Quarrybank Engineering", "manufacturing", 3_400),
    Firm("Rhenfeld Chemicals", "manufacturing", 12_000),
    Firm("Saltmarsh Health Partners", "healthcare", 2_900),
    Firm("Tamsin Retail Group", "retail", 7_800),
    Firm("Umberton University Hospitals", "healthcare", 15_500),
    Firm("Vireo Energy", "energy", 1_800),
    Firm("Westerkade Bank", "financial services", 9_400),
    Firm("Yarrow Telecom", "telecommunications", 4_100),
    Firm("Zennor Property Management", "real estate", 310),
    Firm("Gravenhurst Foods", "food and beverage", 1_400),
    Firm("Harlow Civic Services", "public sector", 2_100),
    Firm("Ironbridge Facilities", "facilities", 520),
    Firm("Kestley Pharmaceuticals", "life sciences", 3_700),
    Firm("Brackenfield Dental", "healthcare", 85),
    Firm("Cobble Lane Studio", "agency", 14),
    Firm("Dunmore Accountants", "professional services", 42),
    Firm("Elmstead Veterinary Group", "healthcare", 120),
    Firm("Foxhollow Brewing", "food and beverage", 65),
    Firm("Glenrock Outdoor", "retail", 38),
    Firm("Hartwell Legal", "professional services", 27),
    Firm("Inchcape Print Works", "manufacturing", 54),
    Firm("Juniper Home Care", "healthcare", 210),
    Firm("Kittering Architects", "architecture", 19),
    Firm("Larchmont Schools Trust", "education", 180),
    Firm("Meadowsweet Nurseries", "education", 95),
    Firm("Nettlebed Engineering", "manufacturing", 140),
    Firm("Orchard Row Marketing", "agency", 23),
    Firm("Pennywort Logistics", "logistics", 160),
    Firm("Quillon Software", "software", 48),
    Firm("Ravensworth Hotels", "hospitality", 230),
    Firm("Sorrel Clinics", "healthcare", 72),
    Firm("Thistledown Charity Trust", "nonprofit", 60),
    Firm("Upfield Recruitment", "professional services", 33),
    Firm("Wrenfield Bakeries", "food and beverage", 110),
    Firm("Yewtree IT Services", "it services", 12),
)

# Another workflow vendor: its people fill in demo forms to see the pricing, not to buy.
COMPETITOR = Firm("Taskwright Software", "workflow software", 90)

FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Dev", "Elena", "Femi", "Greta", "Hugo", "Ines", "Jakob", "Kavya",
    "Liam", "Maya", "Nils", "Olivia", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Will", "Ximena", "Yusuf", "Zoe", "Anouk", "Bram", "Chloe", "Dara", "Emeka", "Freya",
    "Gustavo", "Hanna", "Ivan", "Julia", "Kenji", "Lotte", "Marco", "Noa",
)  # fmt: skip
LAST_NAMES = (
    "Ahmed", "Bakker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Iyer",
    "Jansen", "Kowalski", "Larsen", "Moreau", "Nowak", "Okafor", "Patel", "Quinlan", "Rossi",
    "Schmidt", "Tanaka", "Usman", "Visser", "Walsh", "Xu", "Young", "Zimmermann", "Brennan",
    "De Vries", "Lindholm", "Mensah", "Novak", "O'Neill", "Peeters", "Ramos", "Sato",
    "Thompson", "Van Dijk", "Weber", "Kaur", "Murphy",
)  # fmt: skip

FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "gmx.de")
DISPOSABLE_MAIL = ("mailinator.com", "yopmail.com", "10minutemail.com", "guerrillamail.com")
