"""Cross-cutting pieces: access rules, errors, security headers, the data folder."""
