"""The grounding checker rejects what no cited source says: invented claims, changed numbers,
claims in template slots, and sentences supported only by another section's source."""

from __future__ import annotations

import pytest

from aic.ai.composer import Brief, GeneratedContent, Section
from aic.ai.composer.grounding import SourceSentences, TemplateMatcher, numbers, unsupported

PRICING = (
    "**Starter** is $12 per seat per month billed annually, for up to 25 seats. "
    "A team of 12 seats on Starter costs $1,728 a year billed annually."
)
UPTIME = "Flow's uptime was 99.9% over the last twelve months, measured by an outside monitor."
SOURCES = {"pricing": SourceSentences([PRICING]), "uptime": SourceSentences([UPTIME])}
BRIEF = Brief(content_type="blog_post", topic="pricing plans", keywords=("per seat", "uptime"))
MATCHER = TemplateMatcher(BRIEF, ["Pricing and plans"])


def check(*sections: tuple[str, tuple[str, ...]]) -> list[str]:
    document = GeneratedContent(
        content_type="blog_post",
        title="Pricing plans: an overview",
        sections=tuple(Section(f"Part {n}", md, ids) for n, (md, ids) in enumerate(sections)),
        seo_title="Pricing plans",
        meta_description="Pricing plans.",
        sources=(),
    )
    return [u.sentence for u in unsupported(document, SOURCES, MATCHER, threshold=0.9)]


def test_source_sentences_connectors_and_templates_pass() -> None:
    assert (
        check(
            (
                "This article looks at pricing plans, including per seat and uptime. "
                "Starter is $12 per seat per month billed annually, for up to 25 seats. "
                "Further, a team of 12 seats on Starter costs $1,728 a year billed annually.",
                ("pricing",),
            ),
            (
                "Topics: per seat and uptime. For the details, read *Pricing and plans*.",
                ("pricing",),
            ),
        )
        == []
    )


@pytest.mark.parametrize(
    "invented",
    [
        "Brindlewood was founded on the Moon in 1802 by twelve astronauts.",
        "Starter is $9 per seat per month billed annually, for up to 25 seats.",
        "Starter is $12 per seat per month billed annually, for up to 250 seats.",
        "A team of 12 seats on Starter costs $1,278 a year billed annually.",
        "A team of 2 seats on Starter costs $1,728 a year billed annually.",
        "Topics: our product is used by 90% of the Fortune 500.",
        "Also covered: per seat and a guaranteed refund.",
        "This article looks at pricing plans, including a free lifetime licence.",
        "For the details, read *The Secret Discount Programme*.",
    ],
)
def test_an_invented_sentence_is_rejected(invented: str) -> None:
    assert check((f"Starter is $12 per seat per month billed annually. {invented}", ("pricing",)))
    assert check((invented, ("pricing",))) == [invented.replace("*", "")]


def test_a_sentence_is_checked_against_its_own_sections_sources_only() -> None:
    uptime = "Flow's uptime was 99.9% over the last twelve months, measured by an outside monitor."
    assert check((uptime, ("uptime",))) == []
    assert check((uptime, ("pricing",)), ("Topics: uptime.", ("uptime",))) == [uptime]
    assert check((uptime, ())) == [uptime]


def test_numbers_are_read_as_written() -> None:
    assert numbers("Starter is $12, or $1,728 a year; 99.9% uptime for 5 teams.") == {
        "$12",
        "$1,728",
        "99.9%",
        "5",
    }
    pricing = SOURCES["pricing"]
    assert pricing.support("Starter is $12 per seat per month billed annually.") == 1.0
    assert pricing.support("Starter is $9 per seat per month billed annually.") == 0.0
    assert pricing.support("Starter is 12 per seat per month billed annually.") < 0.9  # not $12
    assert pricing.support("Up to 25 seats, at $12 per seat per month.") == 1.0
