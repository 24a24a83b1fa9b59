"""HTTP and websocket checks against a live ``streamlit run app.py`` with the hosting configuration
(../shared/RELIABILITY.md, layer H, tests 22-24 and 26): what a visitor's script, not a browser,
can send to the server.

- 22: an upload needs the session's XSRF token (the ``_streamlit_xsrf`` cookie echoed in the
  ``X-Xsrftoken`` header), as a cross-site page cannot read the cookie;
- 23: the websocket refuses a foreign ``Origin`` (cross-site websocket hijacking);
- 24: the server refuses a body over ``server.maxUploadSize``, whether it says its length or not;
- 26: any visitor can flush every global cache; other users' pages must not change.

One server serves the whole module (about 2 s to start); the two 201 MB uploads take a few seconds.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus

from tests.conftest import DEMO, ROOT
from tests.live import LiveServer, live_server
from tests.st_client import (
    XSRF_COOKIE,
    StreamlitSession,
    multipart,
    multipart_length,
    open_stream,
    put_upload,
    repeated,
    server_metrics,
    xsrf_cookie,
    xsrf_headers,
)

MB = 1024 * 1024
"""Streamlit's ``maxUploadSize`` megabyte (``maxUploadSize * 1024 * 1024`` bytes)."""
SPEND = (DEMO / "spend.csv").read_bytes()
"""A real export to upload (300 kB)."""


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """``streamlit run app.py`` with the project's ``.streamlit/config.toml``."""
    with live_server() as running:
        yield running


@pytest.fixture(scope="module")
def upload_limit() -> int:
    """``server.maxUploadSize`` of the hosting configuration, in bytes."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return config["server"]["maxUploadSize"] * MB


@pytest.fixture
def session(server: LiveServer) -> Iterator[StreamlitSession]:
    """A session that has run its first page, so that its id is one the server knows."""
    with StreamlitSession.open(server.host) as opened:
        opened.rerun()
        yield opened


def small_upload(server: LiveServer, session_id: str, headers: dict[str, str]) -> int:
    """PUT the demo ``spend.csv`` (300 kB) as an upload with ``headers``; the HTTP status."""
    return put_upload(
        server.host,
        session_id,
        multipart("spend.csv", [SPEND]),
        headers=headers,
        length=multipart_length("spend.csv", len(SPEND)),
    )


# 22: XSRF ------------------------------------------------------------------------------------------


def test_an_upload_with_the_browsers_token_is_stored(session):
    """The browser's way: the cookie its websocket was opened with, and the same token in the header."""
    assert session.upload("spend.csv", SPEND) == 204


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(lambda token, other: {}, id="no token"),
        pytest.param(lambda token, other: {"Cookie": f"{XSRF_COOKIE}={token}"}, id="cookie only"),
        pytest.param(lambda token, other: {"X-Xsrftoken": token}, id="header only"),
        pytest.param(
            lambda token, other: {"Cookie": f"{XSRF_COOKIE}={token}", "X-Xsrftoken": other}, id="another token"
        ),
    ],
)
def test_an_upload_without_the_sessions_token_is_forbidden(server, session, sent):
    """A cross-site page can make the victim's browser send its cookie but cannot read the cookie to
    copy it into the header; a token the attacker got from their own visit does not match it."""
    attackers = xsrf_cookie(server.host)
    assert attackers != session.token

    assert small_upload(server, session.session_id, sent(session.token, attackers)) == 403


# 23: websocket origin -------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1.evil.example"])
def test_a_websocket_from_another_origin_is_refused(server, origin):
    token = xsrf_cookie(server.host)

    with pytest.raises(InvalidStatus) as refused, open_stream(server.host, origin=origin, token=token):
        pass
    assert refused.value.response.status_code == 403


def test_a_websocket_from_the_apps_own_origin_runs_the_app(server):
    with StreamlitSession.open(server.host, origin=f"http://{server.host}") as own:
        assert own.connection.subprotocol == "streamlit"
        page = own.rerun()
    assert page.finished
    assert page.session_id


# 24: size cap ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("says_its_length", [True, False], ids=["content-length", "chunked"])
def test_an_upload_over_the_limit_is_refused(server, session, upload_limit, says_its_length):
    """A file of ``maxUploadSize`` + 1 MB: refused from its ``Content-Length`` before the body is read,
    or, sent chunked without a length, while streaming."""
    size = upload_limit + MB
    body = multipart("big.csv", repeated(b"2026-11-30,web,19.99\n" * 50_000, size))
    length = multipart_length("big.csv", size) if says_its_length else None

    assert put_upload(server.host, session.session_id, body, headers=xsrf_headers(session.token), length=length) == 413


def test_a_small_chunked_upload_is_accepted(server, session):
    """The control for the chunked refusal above: the same framing with a small file is stored."""
    body = multipart("small.csv", repeated(b"2026-11-30,web,19.99\n", 64 * 1024))

    assert put_upload(server.host, session.session_id, body, headers=xsrf_headers(session.token), length=None) == 204


# 26: cache flush ------------------------------------------------------------------------------------


def cache_misses(server: LiveServer) -> int:
    """Total ``st.cache_data`` misses the server counted (``/_stcore/metrics``)."""
    return int(
        sum(value for labels, value in server_metrics(server.host, "cache_lookups") if labels["result"] == "miss")
    )


def test_a_cache_flush_from_another_session_changes_no_kpi(server):
    """Visitor B sends what the "Clear cache" menu item sends. User A's page still shows the same KPIs,
    and A's first channel filter, computed after the flush, gives what B's gave before it; B, whose
    session state the flush also cleared, rebuilds its data set from scratch to the same figures."""
    with StreamlitSession.open(server.host) as user, StreamlitSession.open(server.host) as visitor:
        before = user.rerun()
        visitor.rerun()
        email_before = visitor.rerun(widgets={"filter_channel": ["Email"]})
        misses = cache_misses(server)

        visitor.clear_cache()
        rebuilt = visitor.rerun()  # handled after the flush: the server reads a session's messages in order
        assert cache_misses(server) > misses  # the flush happened: B's files were parsed again
        after = user.rerun()
        email_after = user.rerun(widgets={"filter_channel": ["Email"]})

    assert len(before.metrics) > 10
    for page in (before, email_before, rebuilt, after, email_after):
        assert (page.finished, page.exceptions) == (True, [])
    assert after.metrics == before.metrics
    assert email_after.metrics == email_before.metrics != before.metrics
    assert rebuilt.metrics == email_before.metrics
