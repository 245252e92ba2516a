"""The editorial history of each demo article: drafts, revisions, reviews and publication."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from aic.backend.demo.articles import Article
from aic.backend.demo.steps import Dispatch, demo_id
from aic.backend.domain import content_commands as cc

__all__ = ["AI_MODEL", "AI_PROVIDER", "ArticlePlan", "plan_articles"]

AI_PROVIDER, AI_MODEL = "local-composer", "composer-small-1"
_LIVE = frozenset({"published", "unpublished", "archived"})
_HOUR, _DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ArticlePlan:
    article: Article
    content_id: str
    steps: tuple[Dispatch, ...]


def _spread(slug: str) -> float:
    """A stable fraction in [0, 1) per slug, so timings look irregular but never change."""
    return int(hashlib.sha256(slug.encode()).hexdigest()[:8], 16) / 0x1_0000_0000


class _History:
    """Builds one article's steps, each some time after the previous one."""

    def __init__(self, article: Article, content_id: str, start: datetime) -> None:
        self.article, self.content_id, self.at = article, content_id, start
        self.steps: list[Dispatch] = []

    def add(self, step: str, after: timedelta, command: cc.ContentCommand) -> None:
        self.at += after
        key = f"seed:content:{self.article.slug}:{step}"
        self.steps.append(Dispatch(self.at, key, command))

    def ended_before(self, deadline: datetime) -> tuple[Dispatch, ...]:
        """The steps shifted back, if needed, so the last one happened before ``deadline``."""
        late = max(timedelta(0), self.at - deadline)
        return tuple(Dispatch(s.at - late, s.key, s.command) for s in self.steps)


def _first_revision(article: Article, content_id: str, actor: str, body: str) -> cc.ContentCommand:
    if article.origin == "human":
        return cc.CreateContentDraft(
            content_id=content_id,
            actor=actor,
            title=article.title,
            slug=article.slug,
            content_type=article.content_type,
            portals=list(article.portals),
            segment=article.segment,
            tags=list(article.tags),
            summary=article.summary,
            body_markdown=body,
        )
    prompt = {
        "brief": article.summary,
        "content_type": article.content_type,
        "portal": article.portals[0],
        "segment": article.segment,
        "tone": "practical",
        "length": "medium",
    }
    return cc.RecordAIDraft(
        content_id=content_id,
        actor=actor,
        provider=AI_PROVIDER,
        model=AI_MODEL,
        prompt_parameters=prompt,
        title=article.title,
        slug=article.slug,
        content_type=article.content_type,
        portals=list(article.portals),
        segment=article.segment,
        tags=list(article.tags),
        summary=article.summary,
        body_markdown=body,
    )


def _plan_one(
    article: Article, start: datetime, author: str, reviewer: str, anchor: datetime
) -> ArticlePlan:
    content_id = demo_id("content", article.slug)
    bodies = article.revision_bodies()
    history = _History(article, content_id, start)
    history.add("draft", timedelta(0), _first_revision(article, content_id, author, bodies[0]))
    for number, body in enumerate(bodies[1:], start=2):
        if article.rejected and number == len(bodies):
            history.add("submit-1", 3 * _HOUR, cc.SubmitContentForReview(**_by(content_id, author)))
            reason = article.rejected
            history.add(
                "reject", 20 * _HOUR, cc.RejectContent(**_by(content_id, reviewer), reason=reason)
            )
        revise = cc.ReviseContent(**_by(content_id, author), body_markdown=body)
        history.add(f"revision-{number}", _DAY + 2 * _HOUR, revise)
    status = article.status
    if status != "draft":
        history.add("submit", 2 * _HOUR, cc.SubmitContentForReview(**_by(content_id, author)))
    if status not in ("draft", "in_review"):
        history.add("approve", 22 * _HOUR, cc.ApproveContent(**_by(content_id, reviewer)))
    if status == "scheduled":
        publish_at = anchor.replace(hour=8, minute=0, second=0, microsecond=0)
        publish_at += timedelta(days=3 + int(_spread(article.slug) * 6))
        schedule = cc.ScheduleContentPublication(
            **_by(content_id, reviewer), publish_at=publish_at.isoformat()
        )
        history.add("schedule", 2 * _HOUR, schedule)
    if status in _LIVE:
        history.add("publish", 2 * _HOUR, cc.PublishContent(**_by(content_id, reviewer)))
    if status == "unpublished":
        history.add("unpublish", 30 * _DAY, cc.UnpublishContent(**_by(content_id, reviewer)))
    if status == "archived":
        history.add("archive", 24 * _DAY, cc.ArchiveContent(**_by(content_id, reviewer)))
    return ArticlePlan(article, content_id, history.ended_before(anchor - _HOUR))


def _by(content_id: str, actor: str) -> dict[str, str]:
    return {"content_id": content_id, "actor": actor}


def plan_articles(
    articles: tuple[Article, ...], editors: tuple[str, str], anchor: datetime
) -> list[ArticlePlan]:
    """Live articles appear over the last ~5 months, the rest are in the last two weeks.

    ``editors`` are two account ids; each writes half the articles and reviews the others'.
    """
    midnight = anchor.replace(hour=0, minute=0, second=0, microsecond=0)

    def working_day(days_ago: int, slug: str) -> datetime:
        return midnight - timedelta(days=days_ago) + timedelta(hours=9 + _spread(slug) * 8)

    live = [a for a in articles if a.status in _LIVE]
    live.sort(key=lambda a: _spread(a.slug))
    plans: list[ArticlePlan] = []
    for position, article in enumerate(live):
        start = working_day(160 - position * 150 // max(1, len(live) - 1), article.slug)
        plans.append(_plan_one(article, start, *_pair(editors, position), anchor))
    pending = [a for a in articles if a.status not in _LIVE]
    for position, article in enumerate(pending):
        start = working_day(3 + int(_spread(article.slug) * 10), article.slug)
        plans.append(_plan_one(article, start, *_pair(editors, position), anchor))
    plans.sort(key=lambda plan: plan.steps[0].at)
    return plans


def _pair(editors: tuple[str, str], position: int) -> tuple[str, str]:
    first, second = editors
    return (first, second) if position % 2 == 0 else (second, first)
