"""The offline composer: content indexing, retrieval-grounded generation and answers."""

from aic.ai.composer.answers import NO_ANSWER, Answer, AnswerComposer, Citation
from aic.ai.composer.briefs import BrandVoice, Brief
from aic.ai.composer.composer import LocalComposer
from aic.ai.composer.composition import ComposeError
from aic.ai.composer.corpus import CONTENT_COLLECTION, ContentCorpus, PassageFilter
from aic.ai.composer.documents import (
    COMPOSER_MODEL,
    COMPOSER_PROVIDER,
    GeneratedContent,
    Section,
    SourceRef,
)
from aic.ai.composer.passages import ContentDocument, Passage
from aic.ai.composer.provider import LocalComposerProvider
from aic.ai.composer.relevance import Relevance
from aic.ai.composer.service import ContentService

__all__ = [
    "COMPOSER_MODEL",
    "COMPOSER_PROVIDER",
    "CONTENT_COLLECTION",
    "NO_ANSWER",
    "Answer",
    "AnswerComposer",
    "BrandVoice",
    "Brief",
    "Citation",
    "ComposeError",
    "ContentCorpus",
    "ContentDocument",
    "ContentService",
    "GeneratedContent",
    "LocalComposer",
    "LocalComposerProvider",
    "Passage",
    "PassageFilter",
    "Relevance",
    "Section",
    "SourceRef",
]
