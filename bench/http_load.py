"""A small closed-loop HTTP load generator for the benchmarks (loopback only, bounded)."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def summary(self) -> str:
        return (
            f"{self.throughput:8.0f} req/s  p50 {statistics.median(self.latencies_ms):6.2f} ms  "
            f"p99 {self.percentile(0.99):6.2f} ms  max {max(self.latencies_ms):7.2f} ms  statuses {self.statuses}"
        )


def run_load(
    *,
    port: int,
    total: int,
    concurrency: int,
    request_for: Callable[[int], tuple[str, str, bytes | None, dict[str, str]]],
    rate: float | None = None,
) -> LoadResult:
    """Send ``total`` requests from ``concurrency`` keep-alive connections; request i is
    ``request_for(i)`` -> (method, path, body, headers). With ``rate`` (requests per second),
    request i is not sent before i / rate seconds from the start (orders arriving steadily
    instead of all at once)."""
    counter = iter(range(total))
    lock = threading.Lock()
    begun = time.perf_counter()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local_latencies = []
        local_statuses: dict[int, int] = {}
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            if rate:
                time.sleep(max(0.0, begun + index / rate - time.perf_counter()))
            method, path, body, headers = request_for(index)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            local_latencies.append((time.perf_counter() - started) * 1000)
            local_statuses[status] = local_statuses.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(local_latencies)
            for status, count in local_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(requests=total, seconds=time.perf_counter() - started, latencies_ms=latencies, statuses=statuses)
