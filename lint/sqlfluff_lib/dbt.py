"""`dbt.<macro>()` stand-ins: SQL of the same shape as the real cross-database macros."""


def type_string() -> str:
    return "varchar"


def type_float() -> str:
    return "double"


def datediff(first: str, second: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first}, {second})"


def dateadd(datepart: str, interval: str, from_date: str) -> str:
    return f"({from_date} + interval ({interval}) {datepart})"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def generate_series(upper_bound: int) -> str:
    return f"select generate_series as generated_number from generate_series(1, {upper_bound})"
