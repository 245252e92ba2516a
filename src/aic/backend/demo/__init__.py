"""The Brindlewood demo company: articles, staff, leads and traffic, seeded through the bus."""

from aic.backend.demo.clock import seed_aware_clock
from aic.backend.demo.seed import SeedReport, seed_demo

__all__ = ["SeedReport", "seed_aware_clock", "seed_demo"]
