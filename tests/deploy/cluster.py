"""Several app nodes behind a real nginx, for tests: gunicorn nodes started as the systemd
unit starts them (``config/gunicorn.py``, one loopback port each) on one shared database,
and Debian's nginx running ``deploy/nginx-desk.conf`` as ``deploy/render_nginx.py``
renders it, with a throwaway certificate for ``desk.test``.

Every process is started in its own session (so it and its children are stopped as one)
and writes to a log file in a throwaway folder; nginx runs in the foreground with its own
prefix, pid file and temporary folders there, listening on loopback only.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from deploy.render_nginx import render

BASE_DIR = Path(__file__).resolve().parents[2]
SERVER_NAME = "desk.test"


class Unavailable(Exception):
    """A process did not start; ``str()`` says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def binary(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and Path(f"/usr/sbin/{name}").exists():
        found = f"/usr/sbin/{name}"
    return found


def _signal(process: subprocess.Popen, sig: int) -> None:
    """Signal a process started with ``start_new_session`` and everything it started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def _reap(process: subprocess.Popen, *, wait: float = 10) -> None:
    """Wait for a signalled process; kill what is left of it after ``wait`` seconds."""
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        _signal(process, signal.SIGKILL)
        process.wait(timeout=wait)


def stop_all(
    processes: list[subprocess.Popen | None], sig: int = signal.SIGTERM, *, wait: float = 10
) -> None:
    """Stop them all at once: one signal each, then wait for each (at most ``wait``
    seconds before SIGKILL)."""
    started = [process for process in processes if process is not None]
    for process in started:
        _signal(process, sig)
    for process in started:
        _reap(process, wait=wait)


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise Unavailable(f"exited with {process.returncode}: {tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"not listening on {port} after {seconds} s: {tail(log)}"
                ) from None
            time.sleep(0.1)


def text_once_logged(log: Path, needle: str, seconds: float = 5) -> str:
    """The log's text once it holds ``needle`` (a node's line can come a moment after its
    response), or as it is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        text = log.read_text(errors="replace") if log.exists() else ""
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def tail(path: Path, size: int = 3000) -> str:
    return path.read_text(errors="replace")[-size:] if path.exists() else "(no log)"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}


class _ProxyConnection(http.client.HTTPSConnection):
    """HTTPS to the proxy on 127.0.0.1, naming ``desk.test`` (SNI and Host), from a
    chosen loopback address: any of 127/8 is this machine, so each stands for a client."""

    def __init__(self, port: int, context: ssl.SSLContext, source: str) -> None:
        super().__init__(SERVER_NAME, port, context=context, timeout=20)
        self.source = source

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, (self.source, 0))
        self.sock = self._context.wrap_socket(sock, server_hostname=SERVER_NAME)  # type: ignore[attr-defined]


def _exchange(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None,
    headers: Mapping[str, str],
) -> Response:
    try:
        connection.request(method, path, body=body, headers=dict(headers))
        answer = connection.getresponse()
        return Response(answer.status, answer.headers, answer.read())
    finally:
        connection.close()


@dataclass
class Node:
    """One gunicorn app node on a loopback port."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
        command += ["--bind", self.address, "config.wsgi"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter's gunicorn)
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_healthy(self, seconds: float = 45) -> None:
        assert self.process is not None
        _wait_for_port(self.port, self.process, self.log, seconds=seconds)
        deadline = time.monotonic() + seconds
        while True:  # the port opens before the worker has loaded the desk
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Unavailable(f"node {self.name} is not healthy: {tail(self.log)}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """As if the machine died: SIGKILL to gunicorn and its workers at once."""
        stop_all([self.process], signal.SIGKILL)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Straight to the node, as the proxy would send it (over TLS to the client)."""
        sent = {"Host": SERVER_NAME, "X-Forwarded-Proto": "https", **(headers or {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        return _exchange(connection, method, path, body, sent)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)


@dataclass
class Proxy:
    """nginx running the shipped site file in the foreground, from its own folder."""

    directory: Path
    nodes: list[Node]
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def certificate(self) -> Path:
        return self.directory / "desk.test.crt"

    @property
    def error_log(self) -> Path:
        return self.directory / "logs" / "desk.error.log"

    @property
    def access_log(self) -> Path:
        return self.directory / "logs" / "desk.access.log"

    @property
    def origin(self) -> str:
        return f"https://{SERVER_NAME}:{self.https_port}"

    def _make_certificate(self, openssl: str) -> None:
        key = self.directory / "desk.test.key"
        subprocess.run(  # noqa: S603 (openssl found on PATH)
            [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            + ["-nodes", "-days", "2", "-subj", f"/CN={SERVER_NAME}"]
            + ["-addext", f"subjectAltName=DNS:{SERVER_NAME}"]
            + ["-keyout", str(key), "-out", str(self.certificate)],
            check=True,
            capture_output=True,
        )

    def configure(self, openssl: str, attachment_max_mb: int) -> Path:
        (self.directory / "logs").mkdir()
        (self.directory / "temp").mkdir()
        self._make_certificate(openssl)
        site = render(
            server_name=SERVER_NAME,
            nodes=[node.address for node in self.nodes],
            certificate=str(self.certificate),
            certificate_key=str(self.directory / "desk.test.key"),
            https_listen=f"127.0.0.1:{self.https_port}",
            http_listen=f"127.0.0.1:{self.http_port}",
            log_dir=str(self.directory / "logs"),
            attachment_max_mb=attachment_max_mb,
        )
        (self.directory / "desk.conf").write_text(site)
        # What Debian's /etc/nginx/nginx.conf gives the site file, with everything an
        # unprivileged, throwaway nginx writes kept in its own folder.
        temp = self.directory / "temp"
        config = self.directory / "nginx.conf"
        config.write_text(
            f"""
pid {self.directory}/nginx.pid;
error_log {self.directory}/logs/error.log warn;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.directory}/desk.conf;
}}
"""
        )
        return config

    def start(self, nginx: str, config: Path) -> None:
        log = self.directory / "logs" / "nginx.out"
        base = [nginx, "-p", str(self.directory), "-c", str(config)]
        base += ["-e", str(self.directory / "logs" / "error.log")]
        checked = subprocess.run([*base, "-t"], capture_output=True, text=True, check=False)  # noqa: S603
        if checked.returncode != 0:
            raise Unavailable(f"nginx -t refused the rendered configuration: {checked.stderr}")
        with open(log, "wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (nginx found on PATH)
                [*base, "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(self.https_port, self.process, log, seconds=10)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> Response:
        """Through the proxy over HTTPS, from the loopback address ``source``."""
        context = ssl.create_default_context(cafile=str(self.certificate))
        connection = _ProxyConnection(self.https_port, context, source)
        return _exchange(connection, method, path, body, headers or {})

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def announce(self, method: str, path: str, headers: Mapping[str, str]) -> Response:
        """Send a request's head only, never its body, and read the answer: what the
        proxy makes of a Content-Length before any of the body arrives."""
        context = ssl.create_default_context(cafile=str(self.certificate))
        connection = _ProxyConnection(self.https_port, context, "127.0.0.1")
        try:
            connection.putrequest(method, path)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            answer = connection.getresponse()
            return Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
