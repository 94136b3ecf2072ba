"""Agents: their reports, liveness, and what a host runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ml2core import constants, policy
from ml2core.context import Context
from ml2core.core import Core
from ml2core.db.models import Agent, utcnow
from ml2core.exceptions import InvalidInput
from ml2core.query import Attr, apply_filters
from ml2core.validation import boolean, new_id, string

STATE_KEYS = {"host", "agent_type", "binary", "configurations", "start_flag", "topic", "admin_state_up"}
MAX_CONFIG_BYTES = 65536

ATTRS: dict[str, Attr] = {
    "id": Attr(Agent.id),
    "host": Attr(Agent.host),
    "agent_type": Attr(Agent.agent_type),
    "binary": Attr(Agent.binary),
    "admin_state_up": Attr(Agent.admin_state_up, bool),
}


def is_alive(row: Agent, down_time: int, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return (now - row.heartbeat_timestamp).total_seconds() < down_time


def agent_dict(row: Agent, down_time: int, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "agent_type": row.agent_type,
        "binary": row.binary,
        "host": row.host,
        "admin_state_up": row.admin_state_up,
        "alive": is_alive(row, down_time, now),
        "configurations": dict(row.configurations or {}),
        "created_at": row.created_at.isoformat(),
        "started_at": row.started_at.isoformat(),
        "heartbeat_timestamp": row.heartbeat_timestamp.isoformat(),
    }


def agents_on_host(
    session: Session, host: str, agent_type: str | None, down_time: int
) -> list[dict[str, Any]]:
    stmt = sa.select(Agent).where(Agent.host == host)
    if agent_type is not None:
        stmt = stmt.where(Agent.agent_type == agent_type)
    now = utcnow()
    return [agent_dict(r, down_time, now) for r in session.execute(stmt.order_by(Agent.agent_type)).scalars()]


def parse_state(state: object) -> dict[str, Any]:
    if not isinstance(state, Mapping):
        raise InvalidInput(field="state", reason="must be a dict")
    unknown = sorted(str(k) for k in state if k not in STATE_KEYS)
    if unknown:
        raise InvalidInput(field=unknown[0], reason="unknown agent state attribute")
    host = string(state.get("host"), "host", allow_empty=False)
    agent_type = string(state.get("agent_type"), "agent_type", allow_empty=False)
    binary = string(state.get("binary", ""), "binary")
    configurations = state.get("configurations", {})
    if not isinstance(configurations, Mapping):
        raise InvalidInput(field="configurations", reason="must be a dict")
    try:
        # No NaN or infinity: JSON has none, and PostgreSQL and MariaDB refuse them.
        encoded = json.dumps(configurations, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidInput(
            field="configurations", reason="must be JSON-serializable (finite numbers only)"
        ) from None
    if len(encoded) > MAX_CONFIG_BYTES:
        raise InvalidInput(field="configurations", reason=f"larger than {MAX_CONFIG_BYTES} bytes")
    start_flag = boolean(state.get("start_flag", False), "start_flag")
    return {
        "host": host,
        "agent_type": agent_type,
        "binary": binary,
        "configurations": json.loads(encoded),
        "start_flag": start_flag,
    }


class AgentService:
    def __init__(self, core: Core) -> None:
        self.core = core

    @property
    def down_time(self) -> int:
        return self.core.settings.agent_down_time

    def report(self, ctx: Context, state: object) -> tuple[dict[str, Any], dict[str, Any] | None, bool]:
        """Create or refresh the agent; return ``(agent, original or None, came alive)``."""
        policy.require_admin(ctx, "report agent state")
        parsed = parse_state(state)

        def run(c: Context) -> tuple[dict[str, Any], dict[str, Any] | None, bool]:
            session = c.session
            assert session is not None
            stmt = sa.select(Agent).where(
                Agent.agent_type == parsed["agent_type"], Agent.host == parsed["host"]
            )
            if session.get_bind().dialect.name != "sqlite":
                stmt = stmt.with_for_update()
            row = session.execute(stmt).scalar_one_or_none()
            now = utcnow()
            if row is None:
                row = _insert_agent(session, parsed, now)
                if row is not None:
                    return agent_dict(row, self.down_time, now), None, True
                row = session.execute(stmt).scalar_one()
            original = agent_dict(row, self.down_time, now)
            row.heartbeat_timestamp = now
            row.binary = parsed["binary"]
            row.configurations = parsed["configurations"]
            if parsed["start_flag"]:
                row.started_at = now
            session.flush()
            return agent_dict(row, self.down_time, now), original, not original["alive"]

        def landed(c: Context, attempt: tuple[dict[str, Any], dict[str, Any] | None, bool]) -> bool:
            # The report is in if the agent's heartbeat is at least the attempt's
            # (to the second: MariaDB keeps whole seconds).
            session = c.session
            assert session is not None
            row = session.get(Agent, attempt[0]["id"])
            sent = dt.datetime.fromisoformat(attempt[0]["heartbeat_timestamp"]).replace(microsecond=0)
            return row is not None and row.heartbeat_timestamp >= sent

        return self.core.write("report_agent_state", ctx, run, done=landed)

    def get_all(self, ctx: Context, filters: object = None) -> list[dict[str, Any]]:
        policy.require_admin(ctx, "list agents")

        def run(c: Context) -> list[dict[str, Any]]:
            session = c.session
            assert session is not None
            stmt = apply_filters(sa.select(Agent), ATTRS, filters, is_admin=True)
            now = utcnow()
            return [
                agent_dict(r, self.down_time, now)
                for r in session.execute(stmt.order_by(Agent.host, Agent.agent_type)).scalars()
            ]

        return self.core.read("get_agents", ctx, run)


def _insert_agent(session: Session, parsed: dict[str, Any], now: dt.datetime) -> Agent | None:
    """Insert a new agent; None if another controller inserted it first."""
    row = Agent(
        id=new_id(),
        agent_type=parsed["agent_type"],
        binary=parsed["binary"],
        host=parsed["host"],
        admin_state_up=True,
        configurations=parsed["configurations"],
        created_at=now,
        started_at=now,
        heartbeat_timestamp=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa.exc.IntegrityError:
        return None
    return row


__all__ = ["AgentService", "agent_dict", "agents_on_host", "constants"]
