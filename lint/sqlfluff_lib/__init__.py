"""Stand-ins for dbt's Jinja globals, for `make lint-fast` (sqlfluff's jinja templater, no dbt).

sqlfluff exposes each module here as a Jinja global by its name (`dbt`, `exceptions`).
"""
