"""Cross-cutting security: headers now; tokens, passwords, roles and rate limits next."""
