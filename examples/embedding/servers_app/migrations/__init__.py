"""The controller's alembic history, kept in ``alembic_version`` beside ml2core's own."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

__all__ = ["HEAD", "VERSION_TABLE", "current", "include_name", "upgrade"]

VERSION_TABLE = "alembic_version"
#: The newest revision of this history.
HEAD = "0001_servers"
_HERE = Path(__file__).resolve().parent


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter: ml2core's tables (``ml2core_*``) are not ours to migrate.

    Without it, ``alembic revision --autogenerate`` would offer to drop them.
    """
    return not (type_ == "table" and name is not None and name.startswith("ml2core_"))


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("version_locations", str(_HERE / "versions"))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine) -> None:
    """Bring the controller's own tables to :data:`HEAD` (ml2core migrates its own at start-up)."""
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current(engine: Engine) -> set[str]:
    """The controller's revisions recorded in the database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return set(context.get_current_heads())
