"""Cross-cutting security: headers, access tokens, passwords, CSRF, the role table, rate limits."""
