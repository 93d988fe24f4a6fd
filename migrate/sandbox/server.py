"""``Sandbox``: the local Jira site as a real HTTP server on loopback (threaded werkzeug, daemon threads).

    with Sandbox("demo") as site:
        requests.get(site.url + "/rest/api/3/permissionscheme", auth=site.admin.auth)

Start/stop are clean: the listening socket is closed, request threads are joined, latency sleeps are woken.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import threading
import time
from typing import Any, Callable

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

from migrate.sandbox.app import ConnectionReset, Credentials, Login, SandboxCore
from migrate.sandbox.clock import FAKE_EPOCH, real_clock
from migrate.sandbox.faults import FaultConfig, parse_faults
from migrate.sandbox.ratelimit import parse_rate_limit
from migrate.sandbox.seeds import SeedSpec, build_site, resolve_seed
from migrate.sandbox.state import SiteState

log = logging.getLogger("migrate.sandbox")


class SandboxError(RuntimeError):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Handler(WSGIRequestHandler):
    """werkzeug's handler with HTTP/1.1 keep-alive (werkzeug's own closes every connection, which costs a
    handshake and a thread per request and piles up TIME_WAIT sockets in long benchmarks), plus a hard
    connection reset (RST, no response) on ``ConnectionReset``."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections are closed after this; stop() wakes them at once

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)  # type: ignore[attr-defined]

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        stream = None
        if not chunked:
            raw_length = environ.get("CONTENT_LENGTH") or "0"
            length = int(raw_length) if raw_length.isdigit() else 0
            stream = LimitedStream(self.rfile, length)
            environ["wsgi.input"] = stream
            environ["wsgi.input_terminated"] = True
        result: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None):
            result["status"], result["headers"] = status, headers
            return chunks.append

        try:
            body_iter = self.server.app(environ, start_response)
            try:
                for data in body_iter:
                    chunks.append(data)
            finally:
                close = getattr(body_iter, "close", None)
                if close is not None:
                    close()
        except ConnectionReset:
            raise
        except Exception:
            log.exception("sandbox: unhandled error")
            result = {"status": "500 INTERNAL SERVER ERROR",
                      "headers": [("Content-Type", "application/json;charset=UTF-8")]}
            chunks = [b'{"errorMessages":["Internal server error"],"errors":{}}']
        body = b"".join(chunks)
        code_str, _, reason = result["status"].partition(" ")
        code = int(code_str)
        conn_hdr = self.headers.get("Connection", "").lower()
        keep = self.request_version == "HTTP/1.1" and "close" not in conn_hdr and not chunked
        self.send_response(code, reason)
        has_length = False
        for key, value in result["headers"]:
            if key.lower() == "connection":
                continue
            has_length = has_length or key.lower() == "content-length"
            self.send_header(key, value)
        if not has_length and code not in (204, 304) and code >= 200:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "keep-alive" if keep else "close")
        # headers and body in one write: two small segments would meet Nagle + delayed ACK (40 ms stalls)
        self._headers_buffer.append(b"\r\n")
        if body and self.command != "HEAD" and code not in (204, 304):
            self._headers_buffer.append(body)
        self.flush_headers()
        if stream is not None:
            stream.exhaust()  # an unread request body must not be taken for the next request
        self.close_connection = not keep

    def handle(self) -> None:
        try:
            super().handle()
        except ConnectionReset:
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()  # really closed (with RST) once rfile is closed in finish()
            except OSError:
                pass

    def log_request(self, code: Any = "-", size: Any = "-") -> None:  # the sandbox keeps its own log
        pass

    def log_error(self, format: str, *args: Any) -> None:
        log.debug("sandbox http: " + format, *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox http: " + format, *args)


class _Server(ThreadedWSGIServer):
    daemon_threads = True

    def __init__(self, *a: Any, **kw: Any):
        super().__init__(*a, **kw)
        self._live: set[threading.Thread] = set()
        self._conns: set[socket.socket] = set()
        self._live_lock = threading.Lock()

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._live_lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def wake_idle(self) -> None:
        """End keep-alive connections: pending reads see EOF, responses being written still go out."""
        with self._live_lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RD)
            except OSError:
                pass

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(target=self._run, args=(request, client_address), daemon=True,
                             name="sandbox-request")
        with self._live_lock:
            self._live.add(t)
        t.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._live_lock:
                self._live.discard(threading.current_thread())

    def live_threads(self) -> list[threading.Thread]:
        with self._live_lock:
            return list(self._live)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox: error while handling a request from %s", client_address, exc_info=True)


class Sandbox:
    """A local Jira site.

    Parameters (all keyword-only except ``seed``):
      seed          a named preset (see ``SEEDS``: demo, small, medium, large, legacy, dc)
      schemes       generate this many schemes instead of the preset's number
      random_seed   RNG seed for generation (presets use 0); same parameters -> same site
      flavour       "cloud" (/rest/api/3) or "dc" (Data Center, /rest/api/2); default: the preset's
      new_keys      whether VIEW_PROJECTS / VIEW_ISSUES exist; default: the preset's
      faults        a fault spec string (see migrate.sandbox.faults) or a FaultConfig
      latency_ms    extra latency on every API request
      rate_limit    None, "cloud", "N/s", a number, or {method: rate}
      clock, sleep  injectable time source and sleeper (share a FakeClock with the client in tests)
      users         a Credentials or a dict overriding some of its fields (e.g. canary tokens)
      host, port    loopback only; port 0 picks a free port
      log_limit     keep at most this many entries in the request log (counts and stats are unbounded)
      expand_holders  Cloud: embed group/user/projectRole/field objects in holders when ``expand`` asks
                    (live Cloud does; the spec's PermissionHolder forbids it, so it is off by default)
    """

    def __init__(
        self,
        seed: str = "demo",
        *,
        schemes: int | None = None,
        random_seed: int | None = None,
        flavour: str | None = None,
        new_keys: bool | None = None,
        faults: str | FaultConfig | None = None,
        latency_ms: float = 0,
        rate_limit: Any = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        users: Credentials | dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        expand_holders: bool = False,
        log_limit: int = 500_000,
    ):
        if not is_loopback(host):
            raise SandboxError(f"the sandbox only listens on loopback (127.0.0.1, ::1, localhost), not {host!r}")
        self.spec: SeedSpec = resolve_seed(seed, schemes=schemes, random_seed=random_seed, flavour=flavour,
                                           new_keys=new_keys)
        self.credentials = Credentials.of(users)
        self.host = "127.0.0.1" if host == "localhost" else host.strip("[]")
        self.port = int(port)
        self._stop_event = threading.Event()
        self._clock = clock or real_clock
        self._sleep = sleep or self._interruptible_sleep
        spec, creds = self.spec, self.credentials

        def factory() -> SiteState:
            return build_site(spec, admin_email=creds.admin_email, viewer_email=creds.viewer_email)

        self.core = SandboxCore(
            factory,
            credentials=self.credentials,
            faults=parse_faults(faults, latency_ms=latency_ms),
            rate_limits=parse_rate_limit(rate_limit),
            clock=self._clock,
            sleep=self._sleep,
            wall_base=FAKE_EPOCH if clock is not None else time.time(),
            expand_holders=expand_holders,
            log_limit=log_limit,
            describe={"seed": spec.name, "schemes": spec.schemes, "random_seed": spec.random_seed},
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._in_process_url: str | None = None

    def _interruptible_sleep(self, seconds: float) -> None:
        self._stop_event.wait(max(0.0, seconds))

    # ---- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> "Sandbox":
        if self._server is not None:
            return self
        self._stop_event.clear()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
            server = _Server(self.host, self.port, self.core, handler=_Handler, fd=sock.fileno())
        except OSError as e:
            raise SandboxError(f"cannot listen on {self.host}:{self.port}: {e.strerror or e}"
                               + (" (try --port 0 for a free port)" if self.port else "")) from None
        finally:
            sock.close()  # the server holds its own duplicate of the socket
        self._server = server
        self.port = server.server_address[1]
        self.core.set_base_url(self.url)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True, name="sandbox-server")
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stop_event.set()  # wake requests sleeping in injected latency
        server.shutdown()
        if thread is not None:
            thread.join(timeout)
        server.server_close()
        server.wake_idle()
        deadline = time.monotonic() + timeout
        for t in server.live_threads():
            t.join(max(0.0, deadline - time.monotonic()))
        self._server = None
        self._thread = None

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    def in_process(self, url: str = "http://127.0.0.1:8990") -> "Sandbox":
        """Serve without a socket: ``self.core`` is the WSGI app (drive it with werkzeug's test Client);
        response links and ``self.url`` use ``url``. For tests that need no network and no thread."""
        if self._server is not None:
            raise SandboxError("the sandbox is already serving over a socket")
        self._in_process_url = url.rstrip("/")
        self.core.set_base_url(self._in_process_url)
        return self

    def serve_forever(self) -> None:
        """Run until KeyboardInterrupt (the CLI's ``migrate sandbox serve``)."""
        self.start()
        try:
            while not self._stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # ---- where and who --------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None and self._in_process_url:
            return self._in_process_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def flavour(self) -> str:
        return self.spec.flavour

    @property
    def api_path(self) -> str:
        return self.core.api

    @property
    def api_url(self) -> str:
        return self.url + self.core.api

    @property
    def admin(self) -> Login:
        return Login(self.credentials.admin_email, self.credentials.admin_token)

    @property
    def viewer(self) -> Login:
        return Login(self.credentials.viewer_email, self.credentials.viewer_token)

    @property
    def bearer_token(self) -> str:
        return self.credentials.bearer_token

    @property
    def env(self) -> dict[str, str]:
        """The environment migrate reads its site and credentials from (admin login)."""
        return {"JIRA_URL": self.url, "JIRA_EMAIL": self.credentials.admin_email,
                "JIRA_API_TOKEN": self.credentials.admin_token}

    # ---- state and records ----------------------------------------------------------------------------
    @property
    def state(self) -> SiteState:
        """The live site. Hold ``sandbox.lock`` while reading or changing it from another thread."""
        return self.core.site

    @property
    def lock(self) -> threading.RLock:
        return self.core.lock

    def dump(self) -> dict[str, Any]:
        return self.core.dump()

    def reset(self, *, state: bool = True, requests: bool = True) -> None:
        """Back to the seed (state), and/or clear the request log, counts and stats (requests)."""
        self.core.reset(state=state, records=requests)

    @property
    def faults(self) -> FaultConfig:
        return self.core.fault_config

    def set_faults(self, spec: str | FaultConfig | None, *, latency_ms: float = 0) -> FaultConfig:
        return self.core.set_faults(spec, latency_ms=latency_ms)

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self.core.requests_since(since)

    def request_counts(self) -> dict[tuple[str, str], int]:
        return self.core.request_counts()

    def stats(self) -> dict[str, Any]:
        return self.core.stats()

    def edit_as_other_admin(self, scheme_id: int, *, add: Any = None, remove: Any = None) -> dict[str, Any]:
        """Another admin edits scheme ``scheme_id`` now.

        add: {"permission": KEY, "holder": {...}} or (KEY, holder-dict); remove: a grant id or
        {"permission": KEY, "holder": {...}}; neither: a random realistic edit (seeded).
        Returns what was done: {"scheme", "action", "grant", ...}."""
        return self.core.admin_edit(scheme_id, add=add, remove=remove)

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"Sandbox(seed={self.spec.name!r}, schemes={self.spec.schemes}, flavour={self.flavour!r}, {where})"
