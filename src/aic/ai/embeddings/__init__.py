"""Sentence embeddings: the ``Embedder`` port and the packaged all-MiniLM-L6-v2 on onnxruntime."""

from aic.ai.embeddings.ports import Embedder

__all__ = ["Embedder"]
