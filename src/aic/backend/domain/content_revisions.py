"""Content revisions: the editable fields, checked and normalized, and who made each how."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aic.backend.domain import values
from aic.backend.domain.errors import InvalidValue

__all__ = [
    "CONTENT_SEGMENTS",
    "CONTENT_TYPES",
    "FIELD_NAMES",
    "REVISION_SOURCES",
    "ContentFields",
    "Revision",
    "check_slug",
    "slugify",
]

CONTENT_TYPES = (
    "article", "landing_page", "case_study", "guide", "faq", "blog_post", "whitepaper",
    "product_page",
)  # fmt: skip
CONTENT_SEGMENTS = ("all", "smb", "enterprise")
REVISION_SOURCES = ("human", "ai", "restore")
MAX_SLUG_LENGTH = 120
MAX_TAGS = 20
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_slug(value: object) -> str:
    """Lower-case ASCII words joined by single hyphens: safe in every portal's URLs."""
    if isinstance(value, str) and len(value) <= MAX_SLUG_LENGTH and _SLUG.match(value):
        return value
    raise InvalidValue(
        "invalid_slug",
        f"slug must be lower-case letters and digits joined by single hyphens, "
        f"at most {MAX_SLUG_LENGTH} characters",
        {"slug": value},
    )


def slugify(title: str) -> str:
    """The slug an AI draft gets when none is given; deterministic, accents folded to ASCII."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")


def _portals(value: object) -> tuple[str, ...]:
    if isinstance(value, list | tuple) and value:
        return tuple(dict.fromkeys(values.choice(p, "portals", values.PORTALS) for p in value))
    raise InvalidValue(
        "invalid_portals",
        f"portals must list at least one of {', '.join(values.PORTALS)}",
        {"portals": value},
    )


def _tags(value: object) -> tuple[str, ...]:
    tags = values.texts(value, "tags", max_items=MAX_TAGS, max_length=50)
    return tuple(dict.fromkeys(tag.lower() for tag in tags))  # case-insensitive, order kept


@dataclass(frozen=True, kw_only=True)
class ContentFields:
    """What an editor or the AI writes; a revision is a full copy of these."""

    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: tuple[str, ...]
    segment: str
    tags: tuple[str, ...]

    @classmethod
    def checked(
        cls,
        *,
        title: object,
        slug: object,
        body_markdown: object,
        summary: object,
        content_type: object,
        portals: object,
        segment: object,
        tags: object,
    ) -> ContentFields:
        return cls(
            title=values.text(title, "title", max_length=200),
            slug=check_slug(slug),
            # markdown keeps its whitespace: leading indentation is significant
            body_markdown=values.text(
                body_markdown, "body_markdown", max_length=200_000, required=False, strip=False
            ),
            summary=values.text(summary, "summary", max_length=1000, required=False),
            content_type=values.choice(content_type, "content_type", CONTENT_TYPES),
            portals=_portals(portals),
            segment=values.choice(segment, "segment", CONTENT_SEGMENTS),
            tags=_tags(tags),
        )

    @classmethod
    def initial(cls, title: str) -> ContentFields:
        """What a new item starts from when only its title is known (a first AI draft)."""
        return cls(
            title=title,
            slug=slugify(title),
            body_markdown="",
            summary="",
            content_type="article",
            portals=("main",),
            segment="all",
            tags=(),
        )

    def changed(self, **changes: object) -> ContentFields:
        """A checked copy with the given fields replaced; ``None`` keeps a field as it is."""
        current: dict[str, object] = {**self.to_data()}
        current.update({name: value for name, value in changes.items() if value is not None})
        return ContentFields.checked(**current)

    def to_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "slug": self.slug,
            "body_markdown": self.body_markdown,
            "summary": self.summary,
            "content_type": self.content_type,
            "portals": list(self.portals),
            "segment": self.segment,
            "tags": list(self.tags),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ContentFields:
        """From an event's or a snapshot's data, which were checked when first recorded."""
        return cls(
            title=data["title"],
            slug=data["slug"],
            body_markdown=data["body_markdown"],
            summary=data["summary"],
            content_type=data["content_type"],
            portals=tuple(data["portals"]),
            segment=data["segment"],
            tags=tuple(data["tags"]),
        )


FIELD_NAMES = tuple(field.name for field in dataclasses.fields(ContentFields))


@dataclass(frozen=True, kw_only=True)
class Revision:
    number: int  # 1, 2, 3 ... never reused; restoring makes a new number
    fields: ContentFields
    author: str
    created_at: str
    source: str  # one of REVISION_SOURCES
    ai_provider: str | None = None
    ai_model: str | None = None
    prompt_parameters: dict[str, Any] | None = None
    restored_from: int | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "fields": self.fields.to_data(),
            "author": self.author,
            "created_at": self.created_at,
            "source": self.source,
            "ai_provider": self.ai_provider,
            "ai_model": self.ai_model,
            "prompt_parameters": self.prompt_parameters,
            "restored_from": self.restored_from,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Revision:
        return cls(
            number=data["number"],
            fields=ContentFields.from_data(data["fields"]),
            author=data["author"],
            created_at=data["created_at"],
            source=data["source"],
            ai_provider=data.get("ai_provider"),
            ai_model=data.get("ai_model"),
            prompt_parameters=data.get("prompt_parameters"),
            restored_from=data.get("restored_from"),
        )
