"""Read models: projections of events into SQL tables, and the queries that read them."""
