"""The emulator as a service, over real sockets: a bounded request body (by Content-Length before
the body is read, and a streamed cap on a chunked body), a deadline for a request's headers, and an
admin API that answers only its own (a loopback Host, or the admin token off loopback).

The limits are small and set by each test; nothing depends on the machine's speed: a test waits
for the server's answer (at most GUARD_SECONDS, a hang guard) and says which precondition failed."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from airflow_ice.emulator.server import IceEmulator
from tests.support.emulator import KEY_ID, KEY_SECRET, call, iproduction_params, ok

GUARD_SECONDS = 30.0
BODY_LIMIT = 1024
HEADER_SECONDS = 0.5


@pytest.fixture(scope="module")
def emulator() -> Iterator[IceEmulator]:
    with IceEmulator(
        access_key_id=KEY_ID,
        access_key_secret=KEY_SECRET,
        max_body_bytes=BODY_LIMIT,
        header_timeout_seconds=HEADER_SECONDS,
    ) as running:
        yield running


def connect(emulator: IceEmulator) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=GUARD_SECONDS)
    sock.settimeout(GUARD_SECONDS)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (the guard raises on a hang)."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            pytest.fail(f"the server neither answered nor closed within {GUARD_SECONDS}s; got {received!r}")
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def status_and_body(response: bytes) -> tuple[int, bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def api_requests(emulator: IceEmulator) -> int:
    return sum(emulator.counters().requests.values())


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(emulator: IceEmulator) -> None:
    before = api_requests(emulator)
    with connect(emulator) as sock:
        # 128 MiB announced, not one byte of it sent: the answer can only come from the header.
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 134217728\r\n\r\n"
        )
        status, body = status_and_body(read_until_closed(sock))
    assert status == 413
    answer = json.loads(body)
    assert answer["Code"] == "RequestEntityTooLarge"
    assert str(BODY_LIMIT) in answer["Message"]
    assert api_requests(emulator) == before  # never reached the API


def test_a_chunked_body_over_the_limit_is_cut_off_by_the_streamed_cap(emulator: IceEmulator) -> None:
    before = api_requests(emulator)
    with connect(emulator) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"a" * 600
        for _ in range(2):  # 1200 bytes > BODY_LIMIT; the terminating chunk is never sent
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, body = status_and_body(read_until_closed(sock))
    assert status == 413
    assert json.loads(body)["Code"] == "RequestEntityTooLarge"
    assert api_requests(emulator) == before


def test_bodies_within_the_limit_are_served(emulator: IceEmulator) -> None:
    with httpx.Client(timeout=GUARD_SECONDS) as client:
        assert ok(call(client, emulator, "SubmitIProductionJob", iproduction_params()))["JobId"]
        # An admin body (a JSON object) is read within the limit too, and passed on whole.
        answer = client.post(f"{emulator.url}/_emulator/clock", json={"hold": False})
    assert answer.json() == {"held": False}


def dribble(sock: socket.socket, stop: threading.Event) -> None:
    """One header byte every 50 ms, never the end of the headers, until the server closes."""
    try:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while not stop.wait(0.05):
            sock.sendall(b"a")
    except OSError:
        return  # the server closed the connection


@pytest.mark.parametrize("after_a_response", [False, True], ids=["first_request", "keep_alive"])
def test_headers_that_do_not_arrive_in_time_get_a_408_and_the_connection_closed(
    emulator: IceEmulator, after_a_response: bool
) -> None:
    stop = threading.Event()
    started = time.monotonic()  # before the server can have seen the connection
    with connect(emulator) as sock:
        if after_a_response:  # a kept-alive connection gets the same deadline for its next request
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            first = b""
            while b'"status":"ok"' not in first:
                first += sock.recv(65536)
            started = time.monotonic()  # before the next request's first byte
        sender = threading.Thread(target=dribble, args=(sock, stop), daemon=True)
        sender.start()
        try:
            response = read_until_closed(sock)
        finally:
            stop.set()
            sender.join(GUARD_SECONDS)
        waited = time.monotonic() - started
    assert response.startswith(b"HTTP/1.1 408 "), response
    assert b"did not arrive in time" in response
    assert waited >= HEADER_SECONDS * 0.9  # not before its deadline (asyncio may wake a hair early)


def test_an_idle_kept_alive_connection_is_not_the_header_deadlines_business() -> None:
    """After a response the deadline waits for the next request's first byte: a client reusing a
    connection after a pause longer than the header timeout (but within keep-alive) is served."""
    with (
        IceEmulator(header_timeout_seconds=HEADER_SECONDS, keep_alive_seconds=GUARD_SECONDS) as served,
        connect(served) as sock,
    ):
        for _ in range(2):
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while b'"status":"ok"' not in answer:
                chunk = sock.recv(65536)
                assert chunk, f"the connection was closed; got {answer!r}"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200 ")
            time.sleep(HEADER_SECONDS * 2)  # idle for longer than the header deadline


def test_a_client_gone_before_its_body_arrived_is_not_processed(emulator: IceEmulator) -> None:
    before = api_requests(emulator)
    with connect(emulator) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\nAction=SubmitIProductionJob"
        )
    # A request that follows on a new connection is answered: the server went on, and the
    # half-sent one was never counted as a request.
    with httpx.Client(timeout=GUARD_SECONDS) as client:
        assert ok(call(client, emulator, "SubmitIProductionJob", iproduction_params()))["JobId"]
    assert api_requests(emulator) == before + 1


# The admin API


def test_without_a_token_the_admin_api_answers_only_a_loopback_host(emulator: IceEmulator) -> None:
    with httpx.Client(timeout=GUARD_SECONDS) as client:
        assert client.get(f"{emulator.url}/_emulator/health").status_code == 200
        assert client.get(f"http://localhost:{emulator.port}/_emulator/health").status_code == 200
        # A page whose name resolves to 127.0.0.1 (DNS rebinding) sends its own name as Host.
        rebound = client.get(f"{emulator.url}/_emulator/seen-secrets", headers={"Host": "evil.example"})
        reset = client.post(f"{emulator.url}/_emulator/reset", headers={"Host": "evil.example:80"})
    assert (rebound.status_code, reset.status_code) == (401, 401)
    assert "loopback host" in rebound.json()["error"]


def test_listening_off_loopback_needs_an_admin_token() -> None:
    with pytest.raises(
        ValueError, match=r"'0\.0\.0\.0', which is not a loopback address, needs an admin token"
    ):
        IceEmulator(host="0.0.0.0")


def test_off_loopback_it_warns_and_the_admin_api_needs_the_token(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="airflow_ice.emulator.server"):
        served = IceEmulator(host="0.0.0.0", admin_token="admin-token-value").start()
    try:
        assert "listens on 0.0.0.0, not on loopback" in caplog.text
        base = f"http://127.0.0.1:{served.port}/_emulator"
        with httpx.Client(timeout=GUARD_SECONDS) as client:
            assert client.get(f"{base}/faults").status_code == 401
            wrong = client.get(f"{base}/faults", headers={"Authorization": "Bearer wrong"})
            assert wrong.status_code == 401
            assert "admin-token-value" not in wrong.text
            assert client.get(f"{base}/faults", headers=served.admin_headers()).status_code == 200
            changed = client.post(
                f"{base}/faults", json={"unavailable_rate": 1}, headers=served.admin_headers()
            )
            assert changed.json()["config"]["unavailable_rate"] == 1
        assert "admin-token-value" not in repr(served)
    finally:
        served.stop()


def test_the_cli_refuses_a_public_host_without_a_token_and_warns_with_one() -> None:
    command = [sys.executable, "-m", "airflow_ice.emulator", "--host", "0.0.0.0", "--port", "0"]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert "needs an admin token" in refused.stderr
    assert refused.stdout == ""

    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ICE_EMULATOR_ADMIN_TOKEN": "from-the-env"},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://0.0.0.0:"), url
        port = url.rsplit(":", 1)[1]
        with httpx.Client(timeout=GUARD_SECONDS) as client:
            admin = f"http://127.0.0.1:{port}/_emulator/health"
            assert client.get(admin).status_code == 401
            assert client.get(admin, headers={"Authorization": "Bearer from-the-env"}).status_code == 200
    finally:
        process.terminate()
        _, err = process.communicate(timeout=GUARD_SECONDS)
    assert "not on loopback" in err


def test_the_header_deadline_holds_on_h11_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn serves with httptools when it is installed, else with h11: the deadline holds on both."""
    from uvicorn.protocols.http import auto
    from uvicorn.protocols.http.h11_impl import H11Protocol

    monkeypatch.setattr(auto, "AutoHTTPProtocol", H11Protocol)
    stop = threading.Event()
    with IceEmulator(header_timeout_seconds=HEADER_SECONDS) as served, connect(served) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while b'"status":"ok"' not in first:
            first += sock.recv(65536)
        sender = threading.Thread(target=dribble, args=(sock, stop), daemon=True)
        sender.start()
        try:
            response = read_until_closed(sock)
        finally:
            stop.set()
            sender.join(GUARD_SECONDS)
    assert response.startswith(b"HTTP/1.1 408 "), response
