"""One layout per content type: which sections, in which order, filled with what.

Each layout fills ``composition.draft`` and returns the document's title. Template lines that
name missing keywords are written last, once the source sentences are chosen, so they only
name the keywords that no chosen sentence mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aic.ai.composer.briefs import ContentType
from aic.ai.composer.composition import Composition
from aic.ai.composer.draft import Block, DraftSection
from aic.ai.composer.selection import Candidate

__all__ = ["LAYOUTS", "hashtag", "topic_title"]

_DIGIT = re.compile(r"\d")
_SECTIONS_BY_LENGTH = {"short": 3, "medium": 4, "long": 6}


def topic_title(composition: Composition) -> str:
    topic = composition.brief.topic
    return topic[:1].upper() + topic[1:]


def hashtag(keyword: str) -> str:
    parts = re.findall(r"[A-Za-z0-9]+", keyword)
    return "#" + "".join(p if p.isupper() else p[:1].upper() + p[1:] for p in parts)


def _home(
    candidate: Candidate, sections: list[DraftSection], default: DraftSection
) -> DraftSection:
    """The section that already draws on the candidate's document, else ``default``."""
    for section in sections:
        if candidate.content_id in section.source_ids:
            return section
    return default


def _template_first(section: DraftSection, text: str, at: int = 0) -> None:
    if text:
        section.blocks.insert(at, Block("sentence", text))


def blog_post(c: Composition) -> str:
    title = c.phrase("blog_title") or topic_title(c)
    intro = c.draft.section(c.heading("intro_heading", "Introduction"))
    intro.add(c.top)
    sections = c.fill_by_passage(
        budget=c.target_words - c.top.word_count - 45,
        per_section={"short": 3, "medium": 4, "long": 5}[c.brief.length],
        max_sections=_SECTIONS_BY_LENGTH[c.brief.length] + 2,
    )
    closing = c.draft.section(c.heading("closing_heading", "Conclusion"))
    last = c.best(lambda k: k.content_id == c.top.content_id) or c.best()
    if last is not None:
        closing.add(last)
    closing.line(c.phrase("closing", title=c.source_title()), cite=c.top.content_id)
    default = sections[-1] if sections else intro
    missing = c.place_keywords(lambda k: _home(k, sections, default), title)
    _template_first(intro, c.phrase("blog_intro", keywords=missing))
    return title


def email(c: Composition) -> str:
    title = c.phrase("email_subject") or topic_title(c)
    subject = c.draft.section(c.heading("subject_heading", "Subject"))
    subject.line(title, cite=c.top.content_id)
    message = c.draft.section(c.heading("body_heading", "Message"), paragraph_size=2)
    message.line(c.phrase("greeting"))
    budget = c.target_words - 30
    chosen: list[Candidate] = []
    for candidate in c.unused(lambda k: k.word_count <= 30):
        if sum(k.word_count for k in chosen) >= budget:
            break
        chosen.append(candidate)
    first_seen = {k.content_id: n for n, k in reversed(list(enumerate(chosen)))}
    for candidate in sorted(chosen, key=lambda k: (first_seen[k.content_id], k.order)):
        message.add(candidate)
    cta = c.draft.section(c.heading("cta_heading", "Next steps"))
    cta.line(c.phrase("call_to_action", title=c.source_title()), cite=c.top.content_id)
    cta.line(c.phrase("sign_off"))
    missing = c.place_keywords(lambda k: message, title)
    _template_first(message, c.phrase("email_intro", keywords=missing), at=1)
    return title


def landing_page(c: Composition) -> str:
    title = c.phrase("landing_title") or topic_title(c)
    hero = c.draft.section(c.heading("hero_heading", "Hero"))
    hero.line(f"**{title}**", cite=c.top.content_id)
    hero.add(c.best(lambda k: k.word_count <= 24) or c.top)
    benefits = c.draft.section(c.heading("benefits_heading", "Benefits"))
    count = {"short": 3, "medium": 5, "long": 6}[c.brief.length]
    c.fill_list(benefits, count, where=lambda k: k.word_count <= 28)
    proof = c.draft.section(c.heading("proof_heading", "In practice"), paragraph_size=2)
    specific = {"short": 1, "medium": 2, "long": 3}[c.brief.length]
    c.fill_list(
        proof,
        specific,
        "sentence",
        where=lambda k: bool(_DIGIT.search(k.text)) or k.passage.content_type == "case_study",
    )
    if not proof.blocks:
        c.fill_list(proof, 1, "sentence")
    more = c.target_words - c.draft.word_count() - 15
    details = c.fill_by_passage(more, per_section=3, max_sections=3) if more > 40 else []
    cta = c.draft.section(c.heading("cta_heading", "Next steps"))
    cta.line(c.phrase("call_to_action", title=c.source_title()), cite=c.top.content_id)
    _drop_empty(c, [benefits, proof])
    missing = c.place_keywords(lambda k: _home(k, details, benefits), title)
    hero.line(c.phrase("keywords_line", keywords=missing) if missing else None)
    return title


def social_post(c: Composition) -> str:
    title = topic_title(c)
    post = c.draft.section(c.heading("post_heading", "Post"), paragraph_size=1)
    count = {"short": 1, "medium": 2, "long": 3}[c.brief.length]
    for candidate in c.unused(lambda k: k.word_count <= 26)[:count] or [c.top]:
        post.add(candidate)
    missing = c.place_keywords(lambda k: post, title)
    post.blocks.insert(0, Block("line", c.phrase("social_lead", keywords=missing)))
    post.line(c.phrase("social_link", title=c.source_title()), cite=c.top.content_id)
    tags = [hashtag(k) for k in c.brief.keywords] or [
        hashtag(word) for word in c.brief.topic.split()[:2]
    ]
    post.line(" ".join(dict.fromkeys(t for t in tags if len(t) > 1)))
    return title


def product_description(c: Composition) -> str:
    title = topic_title(c)
    overview = c.draft.section(c.heading("overview_heading", "Overview"))
    top_passage = c.top.passage.passage_id
    for candidate in sorted(
        c.unused(lambda k: k.passage.passage_id == top_passage)[:3], key=lambda k: k.order
    ):
        overview.add(candidate)
    features = c.draft.section(c.heading("features_heading", "Key features"))
    count = {"short": 3, "medium": 5, "long": 7}[c.brief.length]
    c.fill_list(features, count, where=lambda k: k.word_count <= 30)
    more = c.target_words - c.draft.word_count() - 15
    details = c.fill_by_passage(more, per_section=3, max_sections=2) if more > 40 else []
    cta = c.draft.section(c.heading("cta_heading", "Learn more"))
    cta.line(c.phrase("call_to_action", title=c.source_title()), cite=c.top.content_id)
    _drop_empty(c, [features])
    missing = c.place_keywords(lambda k: _home(k, details, features), title)
    overview.line(c.phrase("keywords_line", keywords=missing) if missing else None)
    return title


def seo_meta(c: Composition) -> str:
    """Only the title and the description: ``composer`` fills both sections in."""
    return topic_title(c)


def _drop_empty(c: Composition, sections: list[DraftSection]) -> None:
    empty = [s for s in sections if not s.blocks]
    c.draft.sections[:] = [s for s in c.draft.sections if all(s is not e for e in empty)]


LAYOUTS: dict[ContentType, Callable[[Composition], str]] = {
    "blog_post": blog_post,
    "email": email,
    "landing_page": landing_page,
    "social_post": social_post,
    "seo_meta": seo_meta,
    "product_description": product_description,
}
