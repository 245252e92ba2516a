"""The demo articles: markdown files with a small ``key: value`` front matter, parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from aic.backend.domain.content_revisions import CONTENT_SEGMENTS, CONTENT_TYPES, check_slug
from aic.backend.domain.content_state import STATUSES
from aic.backend.domain.values import PORTALS

__all__ = ["ORIGINS", "Article", "load_articles", "parse_article", "sections"]

ORIGINS = ("human", "ai")  # who wrote the first revision: an editor, or the AI composer
_REQUIRED = ("title", "type", "portals", "segment", "tags", "summary")
_OPTIONAL = ("status", "origin", "revisions", "rejected")
_SECTION = re.compile(r"^## ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    title: str
    content_type: str
    portals: tuple[str, ...]
    segment: str
    tags: tuple[str, ...]
    summary: str
    body_markdown: str
    status: str = "published"  # the status the seed leaves it in
    origin: str = "human"
    revisions: int = 1  # earlier revisions are shorter drafts: the body without its last parts
    rejected: str | None = None  # a review round sent back with this reason before approval

    def revision_bodies(self) -> list[str]:
        """The body of each revision, oldest first; the last one is the whole article."""
        parts = sections(self.body_markdown)
        return [
            "".join(parts[: len(parts) - (self.revisions - n)]).rstrip() + "\n"
            for n in range(1, self.revisions + 1)
        ]


def sections(body: str) -> list[str]:
    """The body cut before each ``## `` heading (the text before the first one stays first)."""
    starts = [m.start() for m in _SECTION.finditer(body)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]


def _split(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_article(slug: str, text: str) -> Article:
    """One file: ``---``, ``key: value`` lines, ``---``, then the markdown body."""
    head, separator, body = text.removeprefix("---\n").partition("\n---\n")
    if not text.startswith("---\n") or not separator:
        raise ValueError(f"{slug}: the file must start with a --- front matter block")
    fields: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if not colon or key.strip() not in (*_REQUIRED, *_OPTIONAL):
            raise ValueError(f"{slug}: unknown front matter line {line!r}")
        fields[key.strip()] = value.strip()
    missing = [key for key in _REQUIRED if not fields.get(key)]
    if missing:
        raise ValueError(f"{slug}: missing {', '.join(missing)}")
    article = Article(
        slug=check_slug(slug),
        title=fields["title"],
        content_type=fields["type"],
        portals=_split(fields["portals"]),
        segment=fields["segment"],
        tags=_split(fields["tags"]),
        summary=fields["summary"],
        body_markdown=body.strip() + "\n",
        status=fields.get("status", "published"),
        origin=fields.get("origin", "human"),
        revisions=int(fields.get("revisions", "1")),
        rejected=fields.get("rejected") or None,
    )
    _check(article)
    return article


def _check(article: Article) -> None:
    problems = [f"portal {p}" for p in article.portals if p not in PORTALS]
    if article.content_type not in CONTENT_TYPES:
        problems.append(f"type {article.content_type}")
    if not 1 <= len(article.portals) <= 2:
        problems.append("portals: one or two")
    if article.segment not in CONTENT_SEGMENTS:
        problems.append(f"segment {article.segment}")
    if article.status not in STATUSES:
        problems.append(f"status {article.status}")
    if article.origin not in ORIGINS:
        problems.append(f"origin {article.origin}")
    if not 1 <= article.revisions < len(sections(article.body_markdown)):
        problems.append("revisions: at least 1, fewer than the body's parts")
    if article.rejected and article.revisions < 2:
        problems.append("rejected: a rejected review needs a later revision")
    if problems:
        raise ValueError(f"{article.slug}: invalid {'; '.join(problems)}")


def load_articles() -> tuple[Article, ...]:
    """Every article shipped with the package, its home portal's folder first, by slug."""
    root = resources.files(__package__) / "content"
    found: list[Article] = []
    for portal in PORTALS:
        folder = root / portal
        if not folder.is_dir():
            continue
        files = sorted(
            (f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name
        )
        found += [parse_article(f.name.removesuffix(".md"), f.read_text("utf-8")) for f in files]
    return tuple(found)
