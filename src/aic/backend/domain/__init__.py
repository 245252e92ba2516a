"""The backend's domain model: aggregates, commands and events, free of I/O and frameworks."""
