"""Use cases of the backend: commands, queries, sagas, projections, health; no I/O of its own."""
