"""Fixtures for the wechatpy compatibility suite: one mock-server per session, a clean world per test, and
wechatpy clients pointed at it. The network guard goes in before anything that could open a socket."""

from __future__ import annotations

import os

# Loopback needs no proxy, and a proxy host would be a non-loopback connection.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"

import netguard  # noqa: E402

netguard.install()
from netguard import pytest_sessionfinish  # noqa: E402,F401  (the hook that fails a session that left loopback)

import re  # noqa: E402
import select  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import zlib  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import pytest  # noqa: E402
import requests  # noqa: E402

import wechatpy.work  # noqa: E402

# The demo company's apps (credentials and the corpid are read from GET /mock/world).
BOT_AGENTID = 1000002
HR_AGENTID = 1000003
HTTP_TIMEOUT = 10
# An SDK that refetches its token more often than this within one client is looping.
MAX_TOKEN_FETCHES = 5


@dataclass
class Mock:
    """The running server: its base URL, its world, and the control API."""

    base: str
    proc: subprocess.Popen
    http: requests.Session
    # Where the mock's CA certificate is, for clients that reach WeCom's hosts through it.
    ca_pem: str = ""
    world: dict = field(default_factory=dict)

    @property
    def api_base(self) -> str:
        return self.base + "/cgi-bin/"

    def _ok(self, r: requests.Response) -> dict:
        assert r.status_code == 200, f"{r.request.method} {r.url}: {r.status_code} {r.text}"
        return r.json()

    def get(self, url_path: str, **params) -> dict:
        return self._ok(self.http.get(self.base + url_path, params=params or None, timeout=HTTP_TIMEOUT))

    def post(self, url_path: str, body=None) -> dict:
        return self._ok(self.http.post(self.base + url_path, json=body, timeout=HTTP_TIMEOUT))

    # --- world -------------------------------------------------------------------------------------------------
    @property
    def corp(self) -> dict:
        """The demo corp: the one that has the Demo Bot."""
        return next(c for c in self.world["corps"] if any(a["agentid"] == BOT_AGENTID for a in c["apps"]))

    @property
    def corpid(self) -> str:
        return self.corp["corpid"]

    def app(self, agentid: int) -> dict:
        return next(a for a in self.corp["apps"] if a["agentid"] == agentid)

    def secret(self, agentid: int) -> str:
        return self.app(agentid)["secret"]

    def robot_keys(self) -> list[str]:
        return [r["key"] for r in self.corp["robots"]]

    # --- control -----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        self.post("/mock/reset")
        self._ok(self.http.delete(self.base + "/mock/faults", timeout=HTTP_TIMEOUT))
        self.settings(expired_token_errcode=42001)

    def settings(self, **patch) -> dict:
        return self._ok(self.http.patch(self.base + "/mock/settings", json=patch, timeout=HTTP_TIMEOUT))

    def advance(self, seconds: int) -> dict:
        return self.post("/mock/clock/advance", {"seconds": seconds})

    def fault(self, path: str, errcode: int, ratio: float = 1.0, delay_ms: int = 0) -> dict:
        return self.post("/mock/faults", {"path": path, "errcode": errcode, "delay_ms": delay_ms, "ratio": ratio})

    def inbox(self, kind: str, ident: str) -> dict:
        return self.get(f"/mock/inboxes/{kind}/{ident}")

    def user_inbox(self, userid: str) -> dict:
        return self.inbox("user", userid)

    def journal_mark(self) -> int:
        """The seq of the newest journal entry, to read only what came after it."""
        entries = self.get("/mock/journal", limit=1)["entries"]
        return entries[0]["seq"] if entries else -1

    def journal(self, path: str, since: int = -1) -> list[dict]:
        """Calls to `path` after `since`, oldest first."""
        entries = self.get("/mock/journal", path=path, limit=1000)["entries"]
        return [e for e in reversed(entries) if e["seq"] > since and e["path"] == path]


def _drain(stream) -> None:
    for _ in iter(stream.readline, b""):
        pass


@pytest.fixture(scope="session")
def mock():
    binary = os.environ.get("MOCK_SERVER_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.exit(f"MOCK_SERVER_BIN must name the built mock-server binary (got {binary!r})", returncode=2)
    errlog = tempfile.TemporaryFile()
    # The CA for HTTPS through the mock (test_wechatpy_proxy.py), made fresh for the session.
    ca_dir = tempfile.TemporaryDirectory(prefix="wecom-mock-ca-")
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1:0", "--ca-dir", ca_dir.name],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errlog,
    )
    http = requests.Session()
    http.trust_env = False
    try:
        # A server that fails to start closes stdout (readline gives b""); one that hangs is given 30 s.
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        first = proc.stdout.readline().decode("utf-8", "replace").strip() if ready else "<nothing in 30 s>"
        m = re.fullmatch(r"mock-server listening on (http://127\.0\.0\.1:\d+)", first)
        if not m:
            proc.kill()
            code = proc.wait(5)
            errlog.seek(0)
            err = errlog.read()[-2000:].decode("utf-8", "replace")
            pytest.exit(f"mock-server did not start: first line {first!r}, exit {code}, stderr:\n{err}", returncode=2)
        threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
        srv = Mock(base=m.group(1), proc=proc, http=http, ca_pem=os.path.join(ca_dir.name, "ca.pem"))
        srv.world = srv.get("/mock/world")
        yield srv
    finally:
        http.close()
        proc.kill()
        proc.wait(10)
        errlog.close()
        ca_dir.cleanup()


@pytest.fixture(autouse=True)
def clean_world(mock):
    mock.reset()
    yield


class MockWeChatClient(wechatpy.work.WeChatClient):
    """wechatpy's WeCom client with both the API base and the token fetch pointed at the mock."""

    API_BASE_URL = ""  # set per server by make_client

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._http.trust_env = False
        self.token_fetches = 0

    def fetch_access_token(self):
        self.token_fetches += 1
        if self.token_fetches > MAX_TOKEN_FETCHES:
            raise RuntimeError(f"wechatpy fetched a token {self.token_fetches} times: refetch loop")
        return self._fetch_access_token(
            url=self.API_BASE_URL + "gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )


@pytest.fixture
def make_client(mock):
    """make_client(agentid=BOT_AGENTID, secret=None, corpid=None, auto_retry=True) → a redirected client."""

    cls = type("BoundMockWeChatClient", (MockWeChatClient,), {"API_BASE_URL": mock.api_base})

    def make(agentid=BOT_AGENTID, *, secret=None, corpid=None, auto_retry=True):
        return cls(corpid or mock.corpid, secret or mock.secret(agentid), timeout=HTTP_TIMEOUT, auto_retry=auto_retry)

    return make


@pytest.fixture
def client(make_client):
    """The Demo Bot (1000002, whole corp in scope)."""
    return make_client(BOT_AGENTID)


@pytest.fixture
def strict_client(make_client):
    """The Demo Bot with auto_retry=False, for negative cases."""
    return make_client(BOT_AGENTID, auto_retry=False)


@pytest.fixture
def hr_client(make_client):
    """HR Notices (1000003): department 2 and below, and tag 2."""
    return make_client(HR_AGENTID, auto_retry=False)


def _png_1x1() -> bytes:
    """A real 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# AMR-NB: the magic, then one 12.2 kbit/s frame (header 0x3C and 31 bytes of silence).
AMR = b"#!AMR\n" + b"\x3c" + bytes(31)
# MP4: an ftyp box (isom) and an empty free box.
MP4 = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isommp41" + struct.pack(">I", 8) + b"free"
PNG = _png_1x1()
FILE = "季度报表 quarterly report\n".encode("utf-8")


@pytest.fixture(scope="session")
def samples():
    """Tiny valid files by media type, as requests' (filename, bytes, content-type) tuples."""
    return {
        "image": ("pixel.png", PNG, "image/png"),
        "voice": ("hello.amr", AMR, "audio/amr"),
        "video": ("clip.mp4", MP4, "video/mp4"),
        "file": ("report.txt", FILE, "text/plain"),
    }


@pytest.fixture
def upload(client, samples):
    """upload(kind) → a media_id of a fresh upload by the Demo Bot."""

    def up(kind: str) -> str:
        res = client.media.upload(kind, samples[kind])
        assert res["errcode"] == 0 and res["type"] == kind, res
        return res["media_id"]

    return up
