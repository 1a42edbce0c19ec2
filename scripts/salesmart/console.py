"""The rich Console every command prints through: wrapped to the terminal on a terminal, never off one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.rule import Rule

# Off a terminal (a pipe, a file, a CI log) rich would lay out at 80 columns and split a long path or
# message mid-word, so a reader could not copy it. There lines are never wrapped (soft wrap) and tables
# take their natural width up to this many columns; a terminal keeps its own width.
OFF_TERMINAL_WIDTH = 1000
# A rule off a terminal: as wide as rich's default terminal, not OFF_TERMINAL_WIDTH.
OFF_TERMINAL_RULE_WIDTH = 80


def console(stderr: bool = False) -> Console:
    """A Console on stdout (or stderr); built per call so the stream and its width are read when printing."""
    out = Console(stderr=stderr, highlight=False)
    if not out.is_terminal:
        out.soft_wrap = True
        out.width = OFF_TERMINAL_WIDTH
    return out


def rule(out: Console, title: str) -> None:
    """A titled horizontal rule: the terminal's width, or OFF_TERMINAL_RULE_WIDTH off a terminal."""
    out.print(Rule(title), width=None if out.is_terminal else OFF_TERMINAL_RULE_WIDTH)


@contextmanager
def progress(what: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar for long steps: `update(description, done, total)` shows done of total, the elapsed
    time and what is being worked on; it disappears when the step ends (the step prints its summary)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    out = console()
    # off a terminal (make demo piped, CI logs) nothing: a transient bar would leave a blank line
    with Progress(*columns, console=out, transient=True, disable=not out.is_terminal) as bar:
        task = bar.add_task("", total=None)

        def update(description: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=description)

        yield update
