"""How the outside reaches ai: the HTTP app and its routes."""
