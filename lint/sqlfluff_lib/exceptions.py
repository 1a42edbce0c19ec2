"""`exceptions.raise_compiler_error()` stand-in: linting renders every branch, so it must not raise."""


def raise_compiler_error(message: str) -> str:
    return ""
