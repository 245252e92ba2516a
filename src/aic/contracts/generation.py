"""Wire DTOs of ai's content generation and grounded answers (``/v1/content/generate``,
``/v1/answers``)."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, field_validator

__all__ = [
    "MAX_KEYWORDS",
    "AnswerRequest",
    "AnswerResponse",
    "BrandVoiceIn",
    "CitationOut",
    "GenerateContentRequest",
    "GeneratedContentResponse",
    "GeneratedSectionOut",
    "SourceOut",
    "UsageOut",
]

MAX_KEYWORDS = 10
ContentTypeName = Literal[
    "blog_post", "email", "landing_page", "social_post", "seo_meta", "product_description"
]
_PORTAL = r"^[a-z][a-z0-9_-]{0,39}$"


def _clean_list(values: list[str], what: str) -> list[str]:
    cleaned = [" ".join(v.split()) for v in values]
    if any(not v for v in cleaned):
        raise ValueError(f"{what} must not be blank")
    lowered = [v.lower() for v in cleaned]
    if len(set(lowered)) != len(lowered):
        raise ValueError(f"{what} must not repeat (case-insensitive)")
    return cleaned


class BrandVoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tone_words: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="How the brand sounds (`concise`, `warm` ...); `concise`-like words make "
        "the offline composer prefer shorter sentences.",
    )
    banned_words: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Words and phrases never used (whole words, case-insensitive).",
    )
    example_texts: list[str] = Field(
        default_factory=list, max_length=5, description="Texts in the brand's voice, for LLMs."
    )

    @field_validator("tone_words", "banned_words")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        if any(len(v) > 60 for v in values):
            raise ValueError("each entry has at most 60 characters")
        return _clean_list(values, "entries")

    @field_validator("example_texts")
    @classmethod
    def _examples(cls, values: list[str]) -> list[str]:
        if any(len(v) > 4000 or not v.strip() for v in values):
            raise ValueError("each example has 1 to 4000 characters")
        return values


class GenerateContentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    content_type: ContentTypeName
    topic: str = Field(min_length=3, max_length=300, description="What the content is about.")
    audience: Literal["smb", "enterprise"] | None = Field(
        default=None,
        validation_alias=AliasChoices("audience", "segment"),
        description="The segment written for; sources for every segment also count.",
    )
    tone: Literal["professional", "friendly", "authoritative", "playful"] = "professional"
    length: Literal["short", "medium", "long"] = "medium"
    keywords: list[str] = Field(
        default_factory=list,
        max_length=MAX_KEYWORDS,
        description="Each appears in the result as a whole word or phrase.",
    )
    brand_voice: BrandVoiceIn = Field(default_factory=BrandVoiceIn)
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2}(-[A-Z]{2})?$",
        description="The offline composer writes `en` only; others need an LLM provider.",
    )
    portal: str | None = Field(
        default=None, pattern=_PORTAL, description="Draw on this portal's content only."
    )
    provider: str | None = Field(
        default=None,
        max_length=40,
        description="`local-composer`, or an LLM provider's name; unset: the first available "
        "LLM provider, else the local composer.",
    )
    stream: StrictBool = Field(default=False, description="Server-sent events instead of one JSON.")

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 3:
            raise ValueError("the topic needs at least 3 characters besides spaces")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, values: list[str]) -> list[str]:
        if any(len(v) > 60 for v in values):
            raise ValueError("each keyword has at most 60 characters")
        return _clean_list(values, "keywords")


class GeneratedSectionOut(BaseModel):
    heading: str
    markdown: str
    source_ids: list[str] = Field(description="Content ids of the sources this section draws on.")


class SourceOut(BaseModel):
    id: str = Field(description="The content id.")
    title: str
    slug: str
    score: float = Field(description="Cosine similarity of its best passage to the request.")


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class GeneratedContentResponse(BaseModel):
    content_type: str
    title: str
    body_markdown: str
    sections: list[GeneratedSectionOut]
    seo_title: str = Field(max_length=60)
    meta_description: str = Field(max_length=160)
    sources: list[SourceOut]
    word_count: int
    provider: str
    model: str
    usage: UsageOut
    notes: list[str] = Field(
        default_factory=list, description="What was repaired, or why it is shorter than asked."
    )


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=3, max_length=1000)
    portal: str | None = Field(default=None, pattern=_PORTAL)
    segment: Literal["smb", "enterprise", "all"] | None = None
    stream: StrictBool = False

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 3:
            raise ValueError("the question needs at least 3 characters besides spaces")
        return value


class CitationOut(BaseModel):
    content_id: str
    slug: str
    title: str
    heading: str
    snippet: str
    score: float


class AnswerResponse(BaseModel):
    question: str
    answer: str = Field(description="Cites `citations` as [1], [2] ...")
    grounded: bool = Field(description='False for the fixed "I don\'t know" answer.')
    citations: list[CitationOut]
    provider: str
    model: str
