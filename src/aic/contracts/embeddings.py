"""OpenAI-compatible embeddings on the wire: the request and the list of vectors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["MAX_INPUTS", "Embedding", "EmbeddingList", "EmbeddingRequest", "EmbeddingUsage"]

MAX_INPUTS = 2048  # OpenAI's limit of texts per request


class EmbeddingRequest(BaseModel):
    """What ``client.embeddings.create`` sends; fields of OpenAI's that change nothing here
    (``user``) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(max_length=256, examples=["all-MiniLM-L6-v2"])
    input: str | list[str] = Field(
        description=f"A text, or up to {MAX_INPUTS} texts embedded in one call; none may be "
        "empty. Texts longer than the model reads (256 tokens for all-MiniLM-L6-v2) are "
        "truncated, as sentence-transformers does.",
        examples=["Book a demo with our team today."],
    )
    encoding_format: Literal["float", "base64"] = Field(
        default="float",
        description="`base64`: each vector as little-endian float32 bytes, base64-encoded "
        "(what OpenAI clients ask for by default and decode).",
    )
    dimensions: int | None = Field(
        default=None, ge=1, description="Must be the model's own (384) when given."
    )

    @field_validator("input", mode="before")
    @classmethod
    def _texts_only(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(item, int | list) for item in value):
            raise ValueError(
                "token arrays are not accepted: send text (this model has its own tokenizer)"
            )
        return value

    @field_validator("input")
    @classmethod
    def _some_text(cls, value: str | list[str]) -> str | list[str]:
        texts = [value] if isinstance(value, str) else value
        if not texts:
            raise ValueError("give at least one text")
        if len(texts) > MAX_INPUTS:
            raise ValueError(f"at most {MAX_INPUTS} texts per request, not {len(texts)}")
        empty = [i for i, text in enumerate(texts) if not text.strip()]
        if empty:
            where = "the text" if isinstance(value, str) else f"input[{empty[0]}]"
            raise ValueError(f"{where} is empty or only whitespace: there is nothing to embed")
        return value

    @property
    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else self.input


class Embedding(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="Floats, or base64 when asked for.")


class EmbeddingUsage(BaseModel):
    prompt_tokens: int = Field(description="The model's tokens read, after truncation.")
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage
