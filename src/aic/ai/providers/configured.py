"""What every network adapter answers alike: its name, its models, and that it is configured."""

from __future__ import annotations

from collections.abc import Sequence

from aic.ai.providers.ports import ProviderStatus

__all__ = ["ConfiguredProvider"]


class ConfiguredProvider:
    """A provider built from settings: available by construction (it has what it needs)."""

    def __init__(self, name: str, models: Sequence[str], kind: str) -> None:
        if not models:
            raise ValueError(f"an {kind} provider needs at least one model")
        self._name = name
        self._models = tuple(models)

    @property
    def name(self) -> str:
        return self._name

    def models(self) -> Sequence[str]:
        return self._models

    def status(self) -> ProviderStatus:
        return ProviderStatus(self._name, available=True, models=self._models)
