"""``ml2core db upgrade [--contract]`` and ``ml2core db current``: the schema, without starting a plugin.

Controllers apply expand migrations themselves when they start; contract
migrations (removals) run only here, once every controller runs the new
version, as Neutron's rolling upgrades.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Engine

from ml2core.cli.commands import Registry
from ml2core.cli.errors import CliError
from ml2core.cli.output import Record
from ml2core.cli.session import Session
from ml2core.db import migration
from ml2core.db.engine import make_engine, prepare_engine

__all__ = ["register"]

T = TypeVar("T")


def _safe_url(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except (sa_exc.ArgumentError, ValueError):
        return url


@contextmanager
def _engine(session: Session) -> Iterator[Engine]:
    database = session.conf.database
    engine = make_engine(
        session.db_url,
        lock_timeout=float(database.lock_timeout),
        statement_timeout=float(database.statement_timeout),
    )
    try:
        yield prepare_engine(engine)
    finally:
        engine.dispose()


def _db_call(session: Session, what: str, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except sa_exc.SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        first = (str(orig if orig is not None else exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(f"database {_safe_url(session.db_url)}: {what} failed: {first}") from exc
    except RuntimeError as exc:
        raise CliError(f"database {_safe_url(session.db_url)}: {what} failed: {exc}") from exc


def _status(engine: Engine) -> list[tuple[str, object]]:
    current = sorted(migration.current_revisions(engine))
    revisions = migration.classify(current)
    refusal = revisions.refusal()
    return [
        ("database", _safe_url(engine.url.render_as_string(hide_password=True))),
        ("current revisions", current or ["(none: empty database)"]),
        ("expand head", migration.branch_head(migration.EXPAND)),
        ("contract head", migration.branch_head(migration.CONTRACT)),
        ("pending", revisions.pending(contract=True) or ["(none)"]),
        (
            "compatibility",
            f"refused: {refusal}" if refusal else revisions.tolerance() or "this ml2core runs on it",
        ),
    ]


def _current(session: Session, args: argparse.Namespace) -> Record:
    with _engine(session) as engine:
        return Record(_db_call(session, "reading the schema version", lambda: _status(engine)))


def _upgrade(session: Session, args: argparse.Namespace) -> Record:
    with _engine(session) as engine:
        applied = _db_call(session, "the upgrade", lambda: migration.upgrade(engine, contract=args.contract))
        if applied:
            session.err.write(f"Applied the {' and '.join(applied)} migrations.\n")
        else:
            session.err.write("The schema was already up to date.\n")
        return Record(
            [("applied", applied), *_db_call(session, "reading the schema version", lambda: _status(engine))]
        )


def register(registry: Registry) -> None:
    """Add ``db upgrade`` and ``db current``."""
    verbs = registry.noun("db", "the database schema (alembic migrations)")
    p = registry.command(
        verbs,
        "upgrade",
        _upgrade,
        "apply pending migrations (expand; contract too with --contract)",
        "Apply pending schema migrations under a database lock. Expand migrations are\n"
        "additive and safe while older controllers run (controllers apply them when they\n"
        "start unless [database] auto_migrate is false). Contract migrations remove things:\n"
        "run them with --contract once every controller is upgraded.",
    )
    p.add_argument("--contract", action="store_true", help="also apply contract (removal) migrations")
    registry.command(verbs, "current", _current, "show the schema revisions and what is pending")
