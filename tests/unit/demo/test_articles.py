"""The demo articles: enough of them, well-formed, and consistent with the product facts."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

import pytest

from aic.backend.demo import product
from aic.backend.demo.articles import Article, load_articles, parse_article, sections
from aic.backend.domain.content_revisions import check_slug
from aic.backend.domain.content_state import STATUSES
from aic.backend.domain.values import PORTALS

ARTICLES = load_articles()
PRICES = {price for plan in product.PLANS for price in plan.seat_prices}
PLAN_NAMES = {plan.name for plan in product.PLANS}
# Capitalised words that may stand before "plan" at the start of a sentence or heading.
GENERIC_PLAN_WORDS = {"Annual", "Both", "Every", "Monthly", "Pricing"}


def _text(article: Article) -> str:
    return f"{article.title}\n{article.summary}\n{article.body_markdown}"


def _numbers(pattern: str, text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(pattern, text)]


def test_there_are_at_least_sixty_articles_spread_over_the_four_portals() -> None:
    assert len(ARTICLES) >= 64
    homes = Counter(article.portals[0] for article in ARTICLES)
    assert set(homes) == set(PORTALS)
    assert min(homes.values()) >= 16


def test_every_content_status_appears() -> None:
    assert {article.status for article in ARTICLES} == set(STATUSES)
    published = sum(article.status == "published" for article in ARTICLES)
    assert published >= 0.8 * len(ARTICLES)


def test_slugs_and_titles_are_valid_and_unique() -> None:
    slugs = [article.slug for article in ARTICLES]
    assert len(set(slugs)) == len(slugs)
    assert all(check_slug(slug) == slug for slug in slugs)
    assert len({article.title for article in ARTICLES}) == len(ARTICLES)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_each_article_is_a_substantial_structured_piece(article: Article) -> None:
    assert 250 <= len(article.body_markdown.split()) <= 600
    assert 3 <= len(re.findall(r"^## ", article.body_markdown, re.MULTILINE)) <= 5
    assert 2 <= len(article.tags) <= 5
    assert 1 <= len(article.portals) <= 2
    assert 1 <= len(re.findall(r"[.!?](?:\s|$)", article.summary)) <= 2
    assert "lorem" not in article.body_markdown.lower()


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_every_article_states_only_the_product_facts(article: Article) -> None:
    text = _text(article)
    assert set(_numbers(r"\$(\d+) per seat", text)) <= PRICES
    for name, price in re.findall(
        r"\b(Free|Starter|Growth|Enterprise)\b[^.$\n]{0,60}?\$(\d+) per seat", text
    ):
        plan = next(p for p in product.PLANS if p.name == name)
        assert int(price) in plan.seat_prices, f"{name} at ${price}"
    for word in re.findall(r"\b([A-Z][a-z]+) plans?\b", text):
        assert word in PLAN_NAMES | GENERIC_PLAN_WORDS, f"unknown plan {word!r}"
    connectors = _numbers(r"(\d+) (?:prebuilt |essential )?connectors", text)
    assert set(connectors) <= {product.CONNECTORS_ALL, product.CONNECTORS_ESSENTIAL}
    uptimes = {*product.UPTIME_SLAS, product.DEEP_OUTAGE_UPTIME}
    assert set(_numbers(r"(\d\d\.\d+)%", text)) <= uptimes
    assert set(_numbers(r"(\d+)-day (?:free )?trial", text)) <= {product.TRIAL_DAYS}
    runs = {plan.runs_per_month for plan in product.PLANS}
    assert set(_numbers(r"([\d,]+) runs a month", text)) <= runs
    api = {plan.api_requests_per_minute for plan in product.PLANS}
    assert set(_numbers(r"([\d,]+) requests a minute", text)) <= api
    assert set(_numbers(r"up to (\d+) seats", text)) <= {p.max_seats for p in product.PLANS}
    assert set(_numbers(r"\$(\d+) per 10,000 runs", text)) <= {product.EXTRA_RUNS_PRICE}
    assert set(_numbers(r"(\d+) templates", text)) <= {product.TEMPLATES}
    assert set(_numbers(r"saves up to (\d+)%", text)) <= {product.ANNUAL_SAVING_PERCENT}
    assert set(_numbers(r"(\d+)% off", text)) <= {product.NONPROFIT_DISCOUNT_PERCENT}


def test_no_paragraph_is_repeated_between_articles() -> None:
    paragraphs = Counter(
        paragraph.strip()
        for article in ARTICLES
        for paragraph in article.body_markdown.split("\n\n")
        if len(paragraph.split()) >= 12
    )
    assert [p for p, n in paragraphs.items() if n > 1] == []


def test_earlier_revisions_are_shorter_drafts_of_the_final_text() -> None:
    revised = [article for article in ARTICLES if article.revisions > 1]
    assert len(revised) >= 5
    for article in revised:
        bodies = article.revision_bodies()
        assert len(bodies) == article.revisions
        assert bodies[-1] == article.body_markdown
        assert all(len(a) < len(b) for a, b in pairwise(bodies))
        assert all(article.body_markdown.startswith(body.rstrip()) for body in bodies)


def test_sections_split_before_each_heading() -> None:
    assert sections("intro\n## One\ntext\n## Two\nmore\n") == [
        "intro\n",
        "## One\ntext\n",
        "## Two\nmore\n",
    ]


def test_a_file_with_an_unknown_front_matter_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown front matter"):
        parse_article("x", "---\ntitle: X\nauthor: me\n---\n## A\n")


def test_the_product_facts_price_a_deal_from_the_plan_and_seats() -> None:
    assert product.plan_for(None) is product.STARTER
    assert product.plan_for(80) is product.GROWTH
    assert product.plan_for(4_000) is product.ENTERPRISE
    assert product.annual_deal_value(product.GROWTH, 10) == 10 * 29 * 12
    assert product.annual_deal_value(product.ENTERPRISE, 20) == 100 * 49 * 12  # the minimum
    assert product.annual_deal_value(product.STARTER, 40) == 25 * 12 * 12  # the maximum
