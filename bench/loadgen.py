"""A small asyncio HTTP/1.1 load generator for Maticko's benchmarks.

Each virtual client keeps one keep-alive connection to the server and sends
its requests one after another, like a browser tab or an API client. Only the
standard library is used, so the measurement has no framework overhead of its
own to account for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    latency_ms: float
    body: bytes
    # Response headers by lower-case name (the last of repeated ones), and the cookies set.
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    responses: list[Response]
    elapsed_s: float

    def summary(self) -> dict:
        latencies = sorted(r.latency_ms for r in self.responses)
        statuses = Counter(r.status for r in self.responses)
        return {
            "requests": len(self.responses),
            "elapsed_s": round(self.elapsed_s, 3),
            "requests_per_s": round(len(self.responses) / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "max_ms": round(latencies[-1], 1) if latencies else 0.0,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
        }


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request, timeout: float) -> Response:
        started = time.perf_counter()
        for attempt in range(2):  # one reconnect if the server closed an idle connection
            try:
                return await self.exchange(request, timeout, started)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def exchange(self, request: Request, timeout: float, started: float) -> Response:
        """Send ``request`` once (connecting first if needed) and read the answer; no retry.

        ``timeout`` bounds the wait for the answer; the latency counts from ``started``
        (time.perf_counter()).
        """
        if self.writer is None:
            await self.connect()
        if self.writer is None:
            raise ConnectionError("not connected")
        head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in request.headers.items()]
        head.append(f"Content-Length: {len(request.body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
        await self.writer.drain()
        status, body, keep_alive, headers, cookies = await asyncio.wait_for(self._read(), timeout)
        if not keep_alive:
            await self.close()
        return Response(status, (time.perf_counter() - started) * 1000, body, headers, cookies)

    async def _read(self) -> tuple[int, bytes, bool, dict[str, str], dict[str, str]]:
        reader = self._connected_reader()
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, keep_alive, chunked = 0, True, False
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            headers[name] = value
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.lower() == "close":
                keep_alive = False
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "set-cookie":
                cookie, _, _ = value.partition(";")
                cookie_name, _, cookie_value = cookie.partition("=")
                cookies[cookie_name.strip()] = cookie_value.strip()
        if chunked:
            return status, await self._read_chunks(), keep_alive, headers, cookies
        body = await reader.readexactly(length) if length else b""
        return status, body, keep_alive, headers, cookies

    async def _read_chunks(self) -> bytes:
        reader = self._connected_reader()
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    def _connected_reader(self) -> asyncio.StreamReader:
        if self.reader is None:
            raise ConnectionError("not connected")
        return self.reader

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run_load(
    host: str,
    port: int,
    make_request: Callable[[int, int], Request | None],
    concurrency: int,
    duration_s: float | None = None,
    requests_per_client: int | None = None,
    timeout_s: float = 30.0,
) -> LoadResult:
    """Run ``concurrency`` clients; client ``c`` sends ``make_request(c, i)`` for i = 0, 1, ...

    A client stops when ``make_request`` returns None, after ``requests_per_client``
    requests, or when ``duration_s`` has passed. Failed connections count as status 0.
    """
    responses: list[Response] = []
    started = time.perf_counter()
    deadline = started + duration_s if duration_s else None

    async def client(c: int) -> None:
        connection = Connection(host, port)
        i = 0
        try:
            while requests_per_client is None or i < requests_per_client:
                if deadline and time.perf_counter() >= deadline:
                    break
                request = make_request(c, i)
                if request is None:
                    break
                sent = time.perf_counter()
                try:
                    responses.append(await connection.send(request, timeout_s))
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    responses.append(Response(0, (time.perf_counter() - sent) * 1000, str(exc).encode()))
                    await connection.close()
                i += 1
        finally:
            await connection.close()

    await asyncio.gather(*(client(c) for c in range(concurrency)))
    return LoadResult(responses, time.perf_counter() - started)


def health_rate(host: str, port: int, concurrency: int, duration_s: float) -> dict:
    """Requests/s and latency of ``GET /health/`` at the given concurrency."""
    health = Request("GET", "/health/")
    result = asyncio.run(run_load(host, port, lambda c, i: health, concurrency, duration_s=duration_s))
    return result.summary()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Measure GET /health/ on a running server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    print(json.dumps(health_rate(args.host, args.port, args.concurrency, args.duration), indent=2))
