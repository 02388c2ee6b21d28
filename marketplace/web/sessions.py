"""No cookie sessions: callers authenticate with bearer tokens on every request.

Flask's default session interface builds a signing serializer and looks for a cookie on
every request; this API never reads or sets one (a cookie that authenticated a caller
would also open the door to cross-site request forgery). Writing to `flask.session`
raises instead of silently setting a cookie.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface, SessionMixin


class NoCookieSessions(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Nothing to save: the session is always the null one."""
