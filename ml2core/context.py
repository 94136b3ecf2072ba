"""The caller's identity, passed to every facade call."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ml2core.exceptions import InvalidInput
from ml2core.validation import UNSTORABLE_REASON, unstorable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["Context"]


class Context:
    """Who is calling: a project, or an admin.

    ``session`` is set only while ml2core runs a transaction on the caller's
    behalf (precommit and extension ``process_*`` hooks); it is ``None``
    otherwise. A context is cheap: make one per request.
    """

    __slots__ = ("is_admin", "project_id", "request_id", "session")

    def __init__(self, project_id: str | None = None, is_admin: bool = False) -> None:
        if project_id is not None and (not isinstance(project_id, str) or not 0 < len(project_id) <= 255):
            raise InvalidInput(field="project_id", reason="must be a string of 1 to 255 characters")
        if project_id is not None and unstorable(project_id, "project_id") is not None:
            raise InvalidInput(field="project_id", reason=UNSTORABLE_REASON)
        if not isinstance(is_admin, bool):
            raise InvalidInput(field="is_admin", reason="must be a boolean")
        self.project_id = project_id
        self.is_admin = is_admin
        self.request_id = f"req-{uuid.uuid4()}"
        self.session: Session | None = None

    @classmethod
    def admin(cls, project_id: str | None = None) -> Context:
        """An admin context (optionally acting for ``project_id``)."""
        return cls(project_id=project_id, is_admin=True)

    def with_session(self, session: Session | None) -> Context:
        """A copy of this context bound to ``session`` (used by the framework for hooks)."""
        ctx = Context.__new__(Context)
        ctx.project_id = self.project_id
        ctx.is_admin = self.is_admin
        ctx.request_id = self.request_id
        ctx.session = session
        return ctx

    def __repr__(self) -> str:
        return f"Context(project_id={self.project_id!r}, is_admin={self.is_admin})"
