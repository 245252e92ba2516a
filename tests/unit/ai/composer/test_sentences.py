"""Sentences a new text can use: lead terms kept with their definitions, connectors that
lower-case only common words, and fragments left out."""

from __future__ import annotations

import pytest

from aic.ai.composer import Brief, Passage
from aic.ai.composer.corpus import RetrievedPassage
from aic.ai.composer.grounding import SourceSentences
from aic.ai.composer.selection import candidate_pool, with_connector
from aic.ai.composer.sentences import split_sentences
from tests.unit.ai.composer.conftest import DEMO_DOCUMENTS

GLOSSARY = """\
**Intake Forms.** The forms that start and feed workflows.

**Run.** One execution of a workflow from its trigger to its final step. Runs are what the
monthly run allowance counts.

**Connect.** The integration hub: 120 prebuilt connectors, the REST API and webhooks.

1. **Ten minutes: scope.** Agree where the process starts and ends, for example at a request.

- **Flow Canvas** is the visual builder where steps are dragged onto a canvas.

**Option C, Brindlewood Flow Enterprise.** 300 seats for builders, approvers and task owners.
"""


def test_a_bold_lead_term_stays_with_its_definition_in_the_sources_words() -> None:
    assert split_sentences(GLOSSARY) == [
        "Intake Forms: the forms that start and feed workflows.",
        "Run: one execution of a workflow from its trigger to its final step.",
        "Runs are what the monthly run allowance counts.",
        "Connect \u2014 the integration hub: 120 prebuilt connectors, the REST API and webhooks.",
        "Ten minutes: scope \u2014 Agree where the process starts and ends, for example at a "
        "request.",
        "Flow Canvas is the visual builder where steps are dragged onto a canvas.",
        "Option C, Brindlewood Flow Enterprise: 300 seats for builders, approvers and task owners.",
    ]


def test_no_demo_sentence_is_a_bold_terms_definition_without_its_term() -> None:
    sentences = {s for d in DEMO_DOCUMENTS for s in split_sentences(d.body_markdown)}
    assert "The forms that start and feed workflows." not in sentences
    assert "Intake Forms: the forms that start and feed workflows." in sentences
    assert not any(s.startswith("The integration hub:") for s in sentences)
    assert not any(s.endswith((".**", "**")) for s in sentences)


def _passage(text: str) -> RetrievedPassage:
    passage = Passage(
        passage_id="g#0",
        content_id="g",
        slug="glossary",
        title="Glossary",
        heading="Terms",
        text=text,
        position=0,
        content_type="guide",
        portals=("smb",),
        segment="all",
        published=True,
    )
    return RetrievedPassage(passage, 0.6)


def test_the_candidate_pool_takes_defined_terms_and_leaves_lead_ins_out() -> None:
    text = GLOSSARY + "\nEach plan includes the following features:\n\n- audit log;\n"
    pool = {
        c.text
        for c in candidate_pool(Brief(content_type="blog_post", topic="forms"), [_passage(text)])
    }
    assert "Intake Forms: the forms that start and feed workflows." in pool
    assert not any(c.endswith(":") or c.startswith("The forms") for c in pool)
    assert "audit log;" not in pool
    # every candidate is a sentence of the source as the grounding checker reads it
    sources = SourceSentences([text])
    assert all(sources.support(c) == 1.0 for c in pool)


@pytest.mark.parametrize(
    ("sentence", "joined"),
    [
        (
            "A team of 12 seats costs $1,728 a year.",
            "Further, a team of 12 seats costs $1,728 a year.",
        ),
        (
            "The integration hub has 120 connectors.",
            "Further, the integration hub has 120 connectors.",
        ),
        ("Every plan includes SSO.", "Further, every plan includes SSO."),
        ("SAML single sign-on is included.", "Further, SAML single sign-on is included."),
        ("120 connectors are prebuilt.", "Further, 120 connectors are prebuilt."),
        ("I recommend Growth.", "I recommend Growth."),  # "I" keeps its capital: no connector
        ("Flow Canvas is the builder.", "Flow Canvas is the builder."),  # a name: no connector
        ("Starter costs $12 per seat.", "Starter costs $12 per seat."),
    ],
)
def test_a_connector_lower_cases_only_a_common_first_word(sentence: str, joined: str) -> None:
    assert with_connector("Further,", sentence) == joined
