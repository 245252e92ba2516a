"""The ai service (:8000): content generation, scoring, personalization, search, vectors."""
