"""Slow and silent clients against a real ``imalink serve``: cut off, and nobody else waits for them."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.process import ServerProcess, serve_process

TIMEOUT = 2.0  # the server's header and body grace periods in these tests
CLIENTS = 50
QUERY = b'{"query": "{ photos { totalCount } }"}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("slow")
    env = {"IMALINK_HEADER_TIMEOUT": str(TIMEOUT), "IMALINK_BODY_TIMEOUT": str(TIMEOUT)}
    with serve_process(f"sqlite:///{directory / 'library.db'}", directory, env) as served:
        yield served


def _address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


async def _trickle(server: ServerProcess, head: bytes, trickle: bytes) -> tuple[float, bytes]:
    """Send ``head`` at once, then ``trickle`` one byte a second; (seconds until the server hung up, its answer)."""
    reader, writer = await asyncio.open_connection(*_address(server))
    started = time.monotonic()
    writer.write(head)
    answer = b""

    async def drip() -> None:
        for byte in trickle:
            await asyncio.sleep(1)
            writer.write(bytes([byte]))
            await writer.drain()

    dripping = asyncio.ensure_future(drip())
    try:
        while chunk := await asyncio.wait_for(reader.read(4096), timeout=30):
            answer += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        dripping.cancel()
        writer.close()
    return time.monotonic() - started, answer


async def _latencies(server: ServerProcess, count: int) -> list[float]:
    """Seconds each of ``count`` normal queries takes, one after another."""
    latencies = []
    async with httpx.AsyncClient(base_url=server.base) as client:
        await client.get("/healthz")
        for _ in range(count):
            started = time.perf_counter()
            response = await client.post("/graphql", content=QUERY, headers={"content-type": "application/json"})
            assert response.status_code == 200
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return latencies


def _body_head(length: int = 1000) -> bytes:
    return (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {length}\r\n\r\n".encode()
    )


def test_fifty_clients_sending_a_body_one_byte_a_second_are_cut_off_and_delay_no_one(server: ServerProcess) -> None:
    async def scenario() -> tuple[list[float], list[float], list[tuple[float, bytes]]]:
        baseline = await _latencies(server, 20)
        slow = [asyncio.ensure_future(_trickle(server, _body_head(), b"x" * 60)) for _ in range(CLIENTS)]
        await asyncio.sleep(0.5)  # all of them connected and trickling
        during = await _latencies(server, 20)
        return baseline, during, await asyncio.gather(*slow)

    baseline, during, slow = asyncio.run(scenario())
    for seconds, answer in slow:
        assert seconds < TIMEOUT + 2.5, f"a slow body held its connection {seconds:.1f} s"
        assert answer.startswith(b"HTTP/1.1 408") and b"BODY_TIMEOUT" in answer
    delay = statistics.median(during) - statistics.median(baseline)
    print(f"median query {statistics.median(baseline) * 1000:.1f} ms alone, "
          f"{statistics.median(during) * 1000:.1f} ms beside {CLIENTS} slow bodies; "
          f"cut off after {max(s for s, _ in slow):.2f} s")
    assert delay < 0.1


def test_fifty_clients_sending_headers_one_byte_a_second_are_cut_off(server: ServerProcess) -> None:
    async def scenario() -> tuple[list[float], list[tuple[float, bytes]]]:
        slow = [
            asyncio.ensure_future(_trickle(server, b"POST /graphql HTTP/1.1\r\n", b"X-Slow: " + b"a" * 60))
            for _ in range(CLIENTS)
        ]
        await asyncio.sleep(0.5)
        during = await _latencies(server, 20)
        return during, await asyncio.gather(*slow)

    during, slow = asyncio.run(scenario())
    for seconds, answer in slow:
        assert seconds < TIMEOUT + 2.5, f"slow headers held their connection {seconds:.1f} s"
        assert answer.startswith(b"HTTP/1.1 408")
    assert statistics.median(during) < 0.2


def test_a_connection_that_sends_nothing_is_closed(server: ServerProcess) -> None:
    seconds, answer = asyncio.run(_trickle(server, b"", b""))
    assert seconds < TIMEOUT + 2.5 and answer == b""


def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_request(server: ServerProcess) -> None:
    request = _body_head(len(QUERY)) + QUERY
    seconds, answer = asyncio.run(_trickle(server, request + b"POST /graphql HTTP/1.1\r\n", b"X-Slow: aaaaaaaaaaaa"))
    assert answer.startswith(b"HTTP/1.1 200") and b"HTTP/1.1 408" in answer
    assert seconds < TIMEOUT + 2.5


def test_headers_past_64_kib_are_refused(server: ServerProcess) -> None:
    async def send() -> bytes:
        reader, writer = await asyncio.open_connection(*_address(server))
        # 66 KiB of headers, never finished; then only listen (more bytes after the server hung
        # up would make the kernel reset the connection and drop the answer).
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + (b"X-Padding: " + b"a" * 1000 + b"\r\n") * 66)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        return answer

    started = time.monotonic()
    assert asyncio.run(send()).startswith(b"HTTP/1.1 431")
    assert time.monotonic() - started < TIMEOUT  # refused for its size, not for its slowness


def test_a_body_past_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    env = {"IMALINK_MAX_REQUEST_BYTES": str(64 * 1024)}
    with serve_process(f"sqlite:///{tmp_path / 'library.db'}", tmp_path, env) as served:
        big = b'{"query": "{ photos { totalCount } }", "pad": "' + b"a" * 200_000 + b'"}'
        declared = httpx.post(served.base + "/graphql", content=big, headers={"content-type": "application/json"})
        assert declared.status_code == 413 and declared.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
        streamed = httpx.post(
            served.base + "/graphql", content=iter([big[:1000], big[1000:]]), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
