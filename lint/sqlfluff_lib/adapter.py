"""`adapter.*` stand-ins: no database, so a relation has no known columns."""


def get_columns_in_relation(relation: object) -> list:
    return []
