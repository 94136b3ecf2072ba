"""Telling a story on the terminal: steps, short paragraphs, tables, progress."""

from __future__ import annotations

import io
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from ml2core.cli.output import Table, emit, format_value, render_table

__all__ = ["Narrator"]


class Narrator:
    """Writes the demo's narration to ``out`` (paragraphs wrapped at ``width``)."""

    def __init__(self, out: TextIO, width: int = 100) -> None:
        self.out = out
        self.width = width
        self.started = time.monotonic()

    def _write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def title(self, text: str) -> None:
        """The demo's title, underlined."""
        self._write(text)
        self._write("=" * len(text))

    def step(self, number: int, total: int, text: str) -> None:
        """``[3/9] Networks`` with a rule under it."""
        self._write()
        head = f"[{number}/{total}] {text}"
        self._write(head)
        self._write("-" * len(head))

    def say(self, text: str) -> None:
        """A paragraph, wrapped."""
        self._write(textwrap.fill(" ".join(text.split()), self.width, break_on_hyphens=False))

    def blank(self) -> None:
        """An empty line."""
        self._write()

    def note(self, text: str) -> None:
        """An indented remark (``Note:``, commands to try)."""
        self._write(
            textwrap.fill(
                " ".join(text.split()),
                self.width,
                initial_indent="  ",
                subsequent_indent="  ",
                break_on_hyphens=False,
            )
        )

    def lines(self, lines: Sequence[str], indent: int = 2) -> None:
        """Lines verbatim, indented."""
        for line in lines:
            self._write(" " * indent + line if line else "")

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], indent: int = 2) -> None:
        """An aligned table (cells formatted as ``-f table`` does)."""
        text = render_table(list(columns), [[format_value(c) for c in row] for row in rows])
        self.lines(text.splitlines(), indent)

    def result(self, table: Table, indent: int = 2) -> None:
        """A command's table (its formatters applied), as ``-f table`` prints it."""
        buffer = io.StringIO()
        emit(table, "table", [], buffer)
        self.lines(buffer.getvalue().rstrip("\n").splitlines(), indent)

    @contextmanager
    def progress(self, label: str) -> Iterator[Callable[[str], None]]:
        """``label ... item item done (0.4 s)``: call the yielded function once per item done."""
        start = time.monotonic()
        self.out.write(f"  {label} ...")
        self.out.flush()
        column = len(label) + 6
        ok = False

        def tick(item: str) -> None:
            nonlocal column
            if column + len(item) + 1 > self.width:
                self.out.write("\n    ")
                column = 4
            self.out.write(f" {item}")
            column += len(item) + 1
            self.out.flush()

        try:
            yield tick
            ok = True
        finally:
            elapsed = time.monotonic() - start
            self.out.write(f" {'done' if ok else 'FAILED'} ({elapsed:.1f} s)\n")
            self.out.flush()

    def elapsed(self) -> float:
        """Seconds since the narrator was made."""
        return time.monotonic() - self.started
