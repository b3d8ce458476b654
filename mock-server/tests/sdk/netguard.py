"""Keeps the SDK suite on loopback.

`install()` wraps `socket.socket.connect`/`connect_ex` (recording each connection let through in `CONNECTED`), `socket.create_connection` and `socket.getaddrinfo` so that
any host other than loopback (127.0.0.0/8, ::1, "localhost") raises `NetworkBlocked` and is recorded in `BLOCKED`.
The `pytest_sessionfinish` hook (re-exported by conftest.py) fails the session when anything was recorded, even
if the code that tried swallowed the exception. A test that provokes an attempt on purpose removes its own record.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback

import pytest

# (host, what was called, where from) for every refused attempt.
BLOCKED: list[tuple[str, str, str]] = []
# (host, port) of every TCP connection let through, in order: a test can check that all of its went to the mock.
CONNECTED: list[tuple[str, int]] = []

_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost", "ip6-loopback"}
_installed = False
_orig = {}


class NetworkBlocked(ConnectionRefusedError):
    """A connection to a non-loopback host was attempted during the SDK tests."""


def is_loopback(host) -> bool:
    if host is None:  # getaddrinfo(None, port): the local wildcard, no lookup
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]  # IPv6 scope id
    if host in _LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _check(host, what: str) -> None:
    if is_loopback(host):
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test")
    where = f"    during {test}\n" + "".join(traceback.format_stack(limit=6)[:-2])
    BLOCKED.append((str(host), what, where))
    raise NetworkBlocked(f"netguard: connection to non-loopback host {host!r} refused ({what})")


def _host_of(address):
    # AF_UNIX paths (str/bytes) and other families are not network hosts.
    if isinstance(address, tuple) and address:
        return address[0], True
    return None, False


def install() -> None:
    """Wraps the socket entry points once per process."""
    global _installed
    if _installed:
        return
    _orig["connect"] = socket.socket.connect
    _orig["connect_ex"] = socket.socket.connect_ex
    _orig["create_connection"] = socket.create_connection
    _orig["getaddrinfo"] = socket.getaddrinfo

    def connect(self, address):
        host, is_net = _host_of(address)
        if is_net:
            _check(host, "socket.connect")
            CONNECTED.append((str(host), int(address[1])))
        return _orig["connect"](self, address)

    def connect_ex(self, address):
        host, is_net = _host_of(address)
        if is_net:
            _check(host, "socket.connect_ex")
            CONNECTED.append((str(host), int(address[1])))
        return _orig["connect_ex"](self, address)

    def create_connection(address, *args, **kwargs):
        _check(address[0], "socket.create_connection")
        return _orig["create_connection"](address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        _check(host, "socket.getaddrinfo")
        return _orig["getaddrinfo"](host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.create_connection = create_connection
    socket.getaddrinfo = getaddrinfo
    _installed = True


def take(host: str, since: int = 0) -> list[tuple[str, str, str]]:
    """Removes and returns the records for `host` made after the first `since` (for a test that tries the real
    host on purpose: pass `len(BLOCKED)` from before the attempt, so earlier offenders stay recorded)."""
    mine = [b for b in BLOCKED[since:] if b[0] == host]
    BLOCKED[since:] = [b for b in BLOCKED[since:] if b[0] != host]
    return mine


def pytest_sessionfinish(session, exitstatus):
    if not BLOCKED:
        return
    lines = [f"netguard: {len(BLOCKED)} attempt(s) to reach a non-loopback host:"]
    for host, what, where in BLOCKED:
        lines.append(f"  {host} via {what}\n{where}")
    text = "\n".join(lines)
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is not None:
        tr.write_line("")
        tr.section("netguard: session FAILED", sep="=", red=True, bold=True)
        tr.write_line(text, red=True)
    else:  # pragma: no cover
        print(text)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
