"""The demo company and its product: the one source of facts for articles, deals and tests."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ANNUAL_SAVING_PERCENT",
    "COMPANY",
    "CONNECTORS_ALL",
    "CONNECTORS_ESSENTIAL",
    "DEEP_OUTAGE_UPTIME",
    "ENTERPRISE",
    "EXTRA_RUNS_PRICE",
    "FREE",
    "GROWTH",
    "NONPROFIT_DISCOUNT_PERCENT",
    "PLANS",
    "STARTER",
    "TEMPLATES",
    "TRIAL_DAYS",
    "UPTIME_SLAS",
    "Company",
    "Plan",
    "annual_deal_value",
    "plan_for",
]


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    product: str
    domain: str  # a reserved ``.example`` domain: nothing here can reach a real mailbox
    founded: int
    headquarters: str
    offices: tuple[str, ...]
    employees: int
    customers: int
    countries: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Prices are USD per seat per month; ``None`` means free, or not offered that way."""

    name: str
    annual_seat_price: int | None
    monthly_seat_price: int | None
    min_seats: int
    max_seats: int | None  # None: no upper limit
    active_workflows: int | None  # None: unlimited
    runs_per_month: int
    connectors: int
    uptime_sla: float | None  # percent; None: no contractual SLA
    api_requests_per_minute: int | None  # None: no API access
    support: str

    @property
    def seat_prices(self) -> frozenset[int]:
        return frozenset(p for p in (self.annual_seat_price, self.monthly_seat_price) if p)


COMPANY = Company(
    name="Brindlewood Systems",
    product="Brindlewood Flow",
    domain="brindlewood.example",
    founded=2016,
    headquarters="Rotterdam",
    offices=("Rotterdam", "Leeds", "Austin"),
    employees=240,
    customers=3800,
    countries=41,
)

CONNECTORS_ALL = 120
CONNECTORS_ESSENTIAL = 25
TEMPLATES = 160
TRIAL_DAYS = 14  # a Growth trial, no credit card
ANNUAL_SAVING_PERCENT = 20  # "up to": Starter saves 20 %, Growth a little less
NONPROFIT_DISCOUNT_PERCENT = 25  # on Starter and Growth, billed annually
EXTRA_RUNS_PRICE = 10  # USD per additional 10,000 runs
# Service credits: 10 % of the month's fee below the plan's SLA, 25 % below this uptime.
DEEP_OUTAGE_UPTIME = 99.0

FREE = Plan(
    name="Free",
    annual_seat_price=None,
    monthly_seat_price=None,
    min_seats=1,
    max_seats=5,
    active_workflows=3,
    runs_per_month=500,
    connectors=CONNECTORS_ESSENTIAL,
    uptime_sla=None,
    api_requests_per_minute=None,
    support="community forum",
)
STARTER = Plan(
    name="Starter",
    annual_seat_price=12,
    monthly_seat_price=15,
    min_seats=1,
    max_seats=25,
    active_workflows=20,
    runs_per_month=5_000,
    connectors=CONNECTORS_ESSENTIAL,
    uptime_sla=None,
    api_requests_per_minute=60,
    support="email, first reply within 1 business day",
)
GROWTH = Plan(
    name="Growth",
    annual_seat_price=29,
    monthly_seat_price=36,
    min_seats=1,
    max_seats=250,
    active_workflows=None,
    runs_per_month=50_000,
    connectors=CONNECTORS_ALL,
    uptime_sla=99.9,
    api_requests_per_minute=300,
    support="chat and email, first reply within 4 business hours",
)
ENTERPRISE = Plan(
    name="Enterprise",
    annual_seat_price=49,  # "from": the list price before volume terms
    monthly_seat_price=None,  # annual contracts only
    min_seats=100,
    max_seats=None,
    active_workflows=None,
    runs_per_month=500_000,
    connectors=CONNECTORS_ALL,
    uptime_sla=99.95,
    api_requests_per_minute=1_200,
    support="24/7, P1 first response within 1 hour",
)
PLANS = (FREE, STARTER, GROWTH, ENTERPRISE)
UPTIME_SLAS = frozenset(p.uptime_sla for p in PLANS if p.uptime_sla is not None)


def plan_for(company_size: int | None) -> Plan:
    """The plan a company of that size usually buys (what the demo deals are made of)."""
    if company_size is None or company_size < 25:
        return STARTER
    return GROWTH if company_size < 250 else ENTERPRISE


def annual_deal_value(plan: Plan, seats: int) -> float:
    """First-year contract value at list price, billed annually."""
    if plan.annual_seat_price is None:
        return 0.0
    seats = max(seats, plan.min_seats)
    if plan.max_seats is not None:
        seats = min(seats, plan.max_seats)
    return float(seats * plan.annual_seat_price * 12)
