"""A small client of Streamlit's websocket protocol and upload route, for the tests that talk to a
live server (layers H and L of ../shared/RELIABILITY.md) the way the browser's frontend does.

The browser first GETs ``/_stcore/health``, which sets the ``_streamlit_xsrf`` cookie; it then opens
``ws://<host>/_stcore/stream`` with its own ``Origin``, the cookie, and ``Sec-WebSocket-Protocol:
streamlit, <xsrf token>``. Each rerun is one binary ``BackMsg(rerun_script=ClientState)`` carrying
the page's script hash and the state of every widget on screen; the server answers with one
``ForwardMsg`` per frame (``new_session`` when a run starts, a ``delta`` per element, each at its
``delta_path``, and ``script_finished`` at the end). A file upload is a multipart ``PUT
/_stcore/upload_file/<session id>/<file id>`` with the cookie and the same token in ``X-Xsrftoken``.

Usage::

    with StreamlitSession.open(server.host) as session:
        page = session.rerun()                                 # the default page
        page = session.rerun(widgets={"comparison": "No comparison"})
        page = session.rerun(page="Funnels")
        page.metrics, page.exceptions
        session.upload("orders.csv", content)                  # 204
"""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
RERUN_TIMEOUT = 120.0
"""Seconds a rerun may take before the client gives up (generous: 20 sessions share 2 cores)."""
BOUNDARY = "kpi-test-boundary-7d4c1e"
_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
_FRAGMENT_RUN = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def xsrf_cookie(host: str) -> str:
    """The value of the ``_streamlit_xsrf`` cookie the server sets on ``GET /_stcore/health``, as the
    browser's first request gets it (``2|mask|token|timestamp``)."""
    with urllib.request.urlopen(f"http://{host}/_stcore/health", timeout=10) as answer:
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return rest.split(";", 1)[0]
    raise AssertionError(f"GET /_stcore/health set no {XSRF_COOKIE} cookie (is XSRF protection off?)")


def server_metrics(host: str, family: str) -> list[tuple[dict[str, str], float]]:
    """The samples of one family of ``/_stcore/metrics`` (OpenMetrics text) as ``(labels, value)``:
    ``server_metrics(host, "cache_memory_bytes")`` gives the bytes held per cache, by ``cache_type``."""
    with urllib.request.urlopen(f"http://{host}/_stcore/metrics?families={family}", timeout=30) as answer:
        text = answer.read().decode()
    samples = []
    for name, labels, value in re.findall(r"^(\w+)(?:\{(.*)\})? (\S+)$", text, re.M):
        if name == family or name.startswith(f"{family}_"):
            samples.append((dict(re.findall(r'(\w+)="([^"]*)"', labels)), float(value)))
    return samples


def open_stream(
    host: str, *, origin: str | None = None, token: str | None = None, open_timeout: float = 30.0
) -> ClientConnection:
    """A websocket to ``/_stcore/stream`` opened as the browser opens it: ``origin`` defaults to the
    app's own (``http://<host>``); with a ``token`` (an XSRF cookie value) it is sent both as the
    cookie and as the second subprotocol entry. Raises ``websockets.InvalidStatus`` when the
    server refuses the handshake."""
    headers = {"Cookie": f"{XSRF_COOKIE}={token}"} if token else {}
    return connect(
        f"ws://{host}{STREAM_PATH}",
        origin=origin or f"http://{host}",
        subprotocols=["streamlit", token] if token else ["streamlit"],
        additional_headers=headers,
        max_size=None,
        compression=None,
        proxy=None,
        open_timeout=open_timeout,
    )


def multipart(name: str, blocks: Iterable[bytes]) -> Iterator[bytes]:
    """A ``multipart/form-data`` body with one file field, as the browser's uploader sends it."""
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    yield from blocks
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart_length(name: str, size: int) -> int:
    """The length of :func:`multipart` for a file of ``size`` bytes."""
    return sum(len(part) for part in multipart(name, [b""])) + size


def repeated(block: bytes, size: int) -> Iterator[bytes]:
    """``size`` bytes made of ``block`` repeated: a big body without holding it in memory."""
    for start in range(0, size, len(block)):
        yield block[: min(len(block), size - start)]


def put_upload(
    host: str,
    session_id: str,
    blocks: Iterable[bytes],
    *,
    headers: dict[str, str],
    length: int | None,
) -> int:
    """PUT a multipart upload to ``/_stcore/upload_file/<session>/<new file id>`` over a raw socket and
    return the HTTP status. With ``length`` the request says its ``Content-Length``; with ``None`` it
    is sent chunked (a client that hides its size). The body is streamed while the answer is read, so a
    server that answers early (and closes) is seen answering, not as a broken pipe."""
    chunked = length is None
    head = [
        f"PUT /_stcore/upload_file/{session_id}/{uuid.uuid4()} HTTP/1.1",
        f"Host: {host}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    address, _, port = host.rpartition(":")
    with socket.create_connection((address, int(port)), timeout=120) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sender = threading.Thread(target=_send_body, args=(sock, blocks, chunked), daemon=True)
        sender.start()
        answer = b""
        while b"\r\n" not in answer:
            received = sock.recv(4096)
            if not received:
                break
            answer += received
        sender.join(timeout=120)
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert match, f"no HTTP answer: {answer[:200]!r}"
    return int(match.group(1))


def _send_body(sock: socket.socket, blocks: Iterable[bytes], chunked: bool) -> None:
    """Write the body (chunk-framed if ``chunked``) until it ends or the server stops reading."""
    try:
        for block in blocks:
            if block:
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server answered and closed: the answer is what the test reads
        pass


def xsrf_headers(token: str) -> dict[str, str]:
    """What the browser sends with an upload: the cookie and the same token in ``X-Xsrftoken``."""
    return {"Cookie": f"{XSRF_COOKIE}={token}", "X-Xsrftoken": token}


@dataclass(frozen=True)
class Widget:
    """A widget as the server described it: its id (``$$ID-<hash>-<key>``), kind, label, options."""

    id: str
    kind: str
    label: str
    options: tuple[str, ...]

    @property
    def key(self) -> str:
        """The user key the id ends with (``period_preset``), or ``""`` for a widget without one."""
        parts = self.id.split("-", 2)
        return parts[2] if len(parts) == 3 else ""


@dataclass
class Page:
    """What one script run put on screen: the elements by their delta path, and how the run ended."""

    session_id: str
    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    status: int | None = None
    seconds: float = 0.0

    def of_kind(self, kind: str) -> list[Any]:
        """The elements of one kind (``"metric"``, ``"exception"``, ``"selectbox"``) in screen order."""
        return [getattr(element, kind) for _, element in sorted(self.elements.items()) if element.HasField(kind)]

    @property
    def finished(self) -> bool:
        """The run ended normally (not stopped early, not a compile error)."""
        return self.status == ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY

    @property
    def metrics(self) -> list[tuple[str, str]]:
        """Each ``st.metric`` as ``(label, value text)``, in screen order."""
        return [(metric.label, metric.body) for metric in self.of_kind("metric")]

    @property
    def exceptions(self) -> list[str]:
        """Each exception element as ``"Type: message"`` (empty on a healthy page)."""
        return [f"{item.type}: {item.message}" for item in self.of_kind("exception")]

    @property
    def widgets(self) -> dict[str, Widget]:
        """The page's widgets with a user key, by that key."""
        found: dict[str, Widget] = {}
        for element in self.elements.values():
            kind = element.WhichOneof("type")
            inner = getattr(element, kind) if kind else None
            widget_id = getattr(inner, "id", "")
            if widget_id.startswith("$$ID-"):
                widget = Widget(widget_id, kind, getattr(inner, "label", ""), tuple(getattr(inner, "options", ())))
                found[widget.key] = widget
        return found


def widget_state(widget_id: str, value: Any) -> WidgetState:
    """The protobuf state of a widget set to ``value`` as the frontend sends it: a ``str`` for a
    selectbox or radio (the option's shown text), a list of ``str`` for a multiselect, a
    ``bool``, ``int`` or ``float`` for checkboxes and number inputs."""
    state = WidgetState(id=widget_id)
    if isinstance(value, bool):
        state.bool_value = value
    elif isinstance(value, int):
        state.int_value = value
    elif isinstance(value, float):
        state.double_value = value
    elif isinstance(value, str):
        state.string_value = value
    elif isinstance(value, list | tuple):
        state.string_array_value.data.extend(value)
    else:
        raise TypeError(f"no widget value of type {type(value).__name__}")
    return state


class StreamlitSession:
    """One browser tab's session over the protocol: rerun pages, set widgets, clear the caches."""

    def __init__(self, connection: ClientConnection, token: str) -> None:
        self.connection = connection
        self.token = token
        """The XSRF cookie value this session's websocket was opened with (uploads send it back)."""
        self.session_id = ""
        self.pages: dict[str, str] = {}
        """The app's pages, ``page title -> page_script_hash`` (from the ``navigation`` message)."""
        self.page_hash = ""
        self.last: Page | None = None
        self._states: dict[str, WidgetState] = {}

    @classmethod
    @contextmanager
    def open(cls, host: str, *, origin: str | None = None) -> Iterator[StreamlitSession]:
        """A session on the server at ``host`` (``127.0.0.1:<port>``) with a fresh XSRF cookie,
        closed on exit."""
        token = xsrf_cookie(host)
        with open_stream(host, origin=origin, token=token) as connection:
            yield cls(connection, token)

    def rerun(
        self, *, page: str | None = None, widgets: Mapping[str, Any] | None = None, timeout: float = RERUN_TIMEOUT
    ) -> Page:
        """Run the script as a click or a widget change does and return the page once the run
        finished. ``page`` is a page title (``"Funnels"``); ``widgets`` maps widget keys of the last
        page to new values (see :func:`widget_state`); the other widgets keep their states."""
        if page is not None:
            self.page_hash = self.pages[page]
        for key, value in (widgets or {}).items():
            if self.last is None or key not in self.last.widgets:
                raise KeyError(f"no widget with key {key!r} on the last page")
            widget_id = self.last.widgets[key].id
            self._states[widget_id] = widget_state(widget_id, value)
        message = BackMsg()
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.widget_states.widgets.extend(self._states.values())
        started = time.perf_counter()
        self.connection.send(message.SerializeToString())
        result = self._receive_run(timeout)
        result.seconds = time.perf_counter() - started
        self._forget_unmounted(result)
        self.last = result
        return result

    def upload(self, name: str, content: bytes) -> int:
        """PUT ``content`` as an upload to this session with its token, as the file uploader does;
        the HTTP status (204 when stored). The host is the websocket's."""
        host = self.connection.request.headers["Host"]
        return put_upload(
            host,
            self.session_id,
            multipart(name, [content]),
            headers=xsrf_headers(self.token),
            length=multipart_length(name, len(content)),
        )

    def clear_cache(self) -> None:
        """Send ``BackMsg(clear_cache=True)``: what the app menu's "Clear cache" sends, which empties
        every global ``st.cache_data`` / ``st.cache_resource`` for all users (and this session's state)."""
        self.connection.send(BackMsg(clear_cache=True).SerializeToString())

    def _receive_run(self, timeout: float) -> Page:
        """Read ForwardMsgs until a run of the whole script ends (a run stopped early for an
        ``st.rerun`` is followed by the next one, which this waits for)."""
        deadline = time.monotonic() + timeout
        result = Page(self.session_id)
        while True:
            message = ForwardMsg()
            message.ParseFromString(self.connection.recv(timeout=max(deadline - time.monotonic(), 0.001)))
            kind = message.WhichOneof("type")
            if kind == "new_session":  # a run starts: the screen is rebuilt from here
                self.session_id = message.new_session.initialize.session_id or self.session_id
                result = Page(self.session_id)
            elif kind == "navigation":
                self.pages = {item.page_name: item.page_script_hash for item in message.navigation.app_pages}
            elif kind == "delta" and message.delta.HasField("new_element"):
                result.elements[tuple(message.metadata.delta_path)] = message.delta.new_element
            elif kind == "script_finished" and message.script_finished not in (_EARLY_FOR_RERUN, _FRAGMENT_RUN):
                result.status = message.script_finished
                return result

    def _forget_unmounted(self, page: Page) -> None:
        """Keep only the states of widgets still on screen, as the frontend does after a run."""
        mounted = {widget.id for widget in page.widgets.values()}
        self._states = {key: value for key, value in self._states.items() if key in mounted}
