"""Technology adapters of the backend's ports, chosen by settings in ``bootstrap``."""
