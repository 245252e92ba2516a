"""How the outside reaches the backend: the HTTP app and its routes."""
