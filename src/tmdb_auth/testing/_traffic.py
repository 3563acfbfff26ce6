"""
Traffic control of the stand-in: the request log, canned faults and the
rate limit, applied to each request before TMDb's behaviour sees it.

Strictly private; `Fault` is re-exported by :mod:`tmdb_auth.testing`.
`Traffic` shares the lock of the TMDb records, so a test can reason about
"the log and the state" as one.
"""

from __future__ import annotations

import math
import threading
import time

from dataclasses import dataclass, field

from ._codes import CODE_FOR_STATUS, error_body, error_response
from ._wire import JSON_TYPE, RecordedRequest, Response, json_response


__all__ = ["Fault", "Traffic", "TrafficCheckpoint", "TrafficControls"]


@dataclass(frozen=True)
class Fault:
    """
    A canned failure, queued by :meth:`TMDbServer.fail_next`.

    Attributes:
        path: The request path it applies to (no query string).
        method: The HTTP method it applies to; ``None`` for any.
        status: The HTTP status to answer with; ``None`` answers normally
            (after *delay*).
        json: A body to send as JSON.
        body: Raw bytes to send instead (garbage, HTML, ...).
        content_type: The ``Content-Type`` of the canned answer.
        headers: Extra response headers.
        drop: Close the connection without any answer.
        delay: Seconds to wait first; other connections are not held up.

    .. versionadded:: 0.1.0
    """

    path: str
    method: str | None = None
    status: int | None = 500
    json: object | None = None
    body: bytes | None = None
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """
        Whether this fault applies to a request for *method* and *path*.
        """
        return path == self.path and self.method in (None, method)


@dataclass
class _Queued:
    fault: Fault
    remaining: int


class _Bucket:
    """
    A token bucket over all requests.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        elapsed = now - self.stamp
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(frozen=True)
class TrafficCheckpoint:
    """
    The traffic settings at one moment: rate limit, session delay,
    ``Retry-After``.
    """

    rate_limit: tuple[float, int] | None
    session_delay: float
    retry_after: int | None


class Traffic:
    """
    The request log, the queue of faults and the rate limit.

    Attributes:
        log: Every request received, in order.
        arrived: Notified whenever a request is logged.
        retry_after: ``Retry-After`` seconds on 429; ``None`` omits it.
        session_delay: Seconds each session creation waits.
    """

    def __init__(
        self,
        lock: threading.RLock,
        *,
        retry_after: int | None,
        session_delay: float,
    ) -> None:
        if retry_after is not None and retry_after < 0:
            msg = "retry_after must be >= 0 or None"
            raise ValueError(msg)
        if session_delay < 0:
            msg = "session_delay must be >= 0"
            raise ValueError(msg)
        self.lock = lock
        self.log: list[RecordedRequest] = []
        self.arrived = threading.Condition(lock)
        self.retry_after = retry_after
        self.session_delay = session_delay
        self._faults: list[_Queued] = []
        self._bucket: _Bucket | None = None

    # --- controls ---------------------------------------------------------

    def set_rate_limit(
        self, per_second: float | None, burst: int | None = None
    ) -> None:
        """
        A token bucket of *burst* refilled at *per_second*; ``None``: off.

        Raises:
            ValueError: A rate that is not positive, or a burst below 1.
        """
        if per_second is not None and not per_second > 0:
            msg = "per_second must be > 0 or None"
            raise ValueError(msg)
        if burst is not None and burst < 1:
            msg = "burst must be >= 1"
            raise ValueError(msg)
        with self.lock:
            if per_second is None:
                self._bucket = None
            else:
                size = (
                    burst
                    if burst is not None
                    else max(1, math.ceil(per_second))
                )
                self._bucket = _Bucket(per_second, size)

    @property
    def rate_limit(self) -> tuple[float, int] | None:
        """
        ``(per_second, burst)``, or ``None`` when off.
        """
        bucket = self._bucket
        return None if bucket is None else (bucket.rate, bucket.burst)

    def add_fault(self, fault: Fault, count: int) -> None:
        """
        Queue *fault* for the next *count* matching requests.
        """
        with self.lock:
            self._faults.append(_Queued(fault, count))

    def faults(self) -> list[tuple[Fault, int]]:
        """
        The queued faults and how many requests each still applies to.
        """
        with self.lock:
            return [(q.fault, q.remaining) for q in self._faults]

    def requests(self) -> list[RecordedRequest]:
        """
        A copy of the log.
        """
        with self.lock:
            return list(self.log)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """
        How many logged requests match *path* and *method* (``None``: any).
        """
        with self.lock:
            return sum(
                1
                for r in self.log
                if path in (None, r.path) and method in (None, r.method)
            )

    def wait_for(
        self, path: str | None, method: str | None, count: int, timeout: float
    ) -> bool:
        """
        Block until *count* matching requests arrived, or *timeout*.
        """
        with self.arrived:
            return self.arrived.wait_for(
                lambda: self.count(path, method) >= count, timeout
            )

    def clear(self) -> None:
        """
        Empty the log and the queue of faults.
        """
        with self.lock:
            self.log.clear()
            self._faults.clear()

    def checkpoint(self) -> TrafficCheckpoint:
        """
        The rate limit, session delay and ``Retry-After`` now.
        """
        return TrafficCheckpoint(
            self.rate_limit, self.session_delay, self.retry_after
        )

    def restore(self, checkpoint: TrafficCheckpoint) -> None:
        """
        Put the rate limit (a full bucket), session delay and
        ``Retry-After`` back.
        """
        limit = checkpoint.rate_limit
        if limit is None:
            self.set_rate_limit(None)
        else:
            self.set_rate_limit(*limit)
        self.session_delay = checkpoint.session_delay
        self.retry_after = checkpoint.retry_after

    # --- per request ------------------------------------------------------

    def admit(self, record: RecordedRequest) -> Fault | Response | None:
        """
        Log *record*; the fault it meets, a 429, or ``None`` to go on.
        """
        with self.lock:
            self.log.append(record)
            self.arrived.notify_all()
            for queued in self._faults:
                if queued.fault.matches(record.method, record.path):
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._faults.remove(queued)
                    return queued.fault
            if self._bucket is not None and not self._bucket.take():
                return self.with_retry_after(error_response(25))
        return None

    def with_retry_after(self, response: Response) -> Response:
        """
        *response* with ``Retry-After``, unless that is turned off.
        """
        if self.retry_after is not None:
            response.headers.append(("Retry-After", str(self.retry_after)))
        return response

    def fault_response(self, fault: Fault) -> Response:
        """
        The answer *fault* gives (its status is not ``None``).
        """
        status = fault.status if fault.status is not None else 200
        if fault.body is not None:
            response = Response(status, fault.body)
        elif fault.json is not None:
            response = json_response(status, fault.json)
        else:
            code = CODE_FOR_STATUS.get(status)
            if code is not None:
                obj: object = error_body(code)
            elif status < 400:
                obj = {
                    "success": True,
                    "status_code": 1,
                    "status_message": "Success.",
                }
            else:
                obj = error_body(11)
            response = json_response(status, obj)
        extra = {k.lower() for k in fault.headers}
        response.headers = [
            (k, v) for k, v in response.headers if k.lower() != "content-type"
        ]
        if "content-type" not in extra:
            response.headers.append(("Content-Type", fault.content_type))
        response.headers.extend(fault.headers.items())
        if status == 429 and "retry-after" not in extra:
            self.with_retry_after(response)
        return response


class TrafficControls:
    """
    The traffic controls of :class:`~tmdb_auth.testing.TMDbServer`: rate
    limit, faults, delays and the request log.  Strictly private: a part
    of the façade, kept beside the traffic it controls.
    """

    _traffic: Traffic

    @property
    def retry_after(self) -> int | None:
        """
        ``Retry-After`` seconds on 429; ``None`` omits the header.
        """
        return self._traffic.retry_after

    @retry_after.setter
    def retry_after(self, value: int | None) -> None:
        self._traffic.retry_after = value

    @property
    def session_delay(self) -> float:
        """
        Seconds each session creation waits before it is answered.
        """
        return self._traffic.session_delay

    @session_delay.setter
    def session_delay(self, value: float) -> None:
        self._traffic.session_delay = value

    def set_rate_limit(
        self, per_second: float | None, *, burst: int | None = None
    ) -> None:
        """
        Rate-limit all requests with a token bucket; ``None`` turns it off.

        Over the limit, requests get 429 with TMDb code 25 and, unless
        ``retry_after`` is ``None``, a ``Retry-After`` header.

        Args:
            per_second: The refill rate.
            burst: The bucket size; ``ceil(per_second)`` by default.
        """
        self._traffic.set_rate_limit(per_second, burst)

    def fail_next(
        self,
        path: str,
        count: int = 1,
        *,
        method: str | None = None,
        status: int | None = 500,
        json: object | None = None,
        body: bytes | None = None,
        content_type: str = JSON_TYPE,
        headers: dict[str, str] | None = None,
        drop: bool = False,
        delay: float = 0.0,
    ) -> None:
        """
        Make the next *count* requests for *path* (and *method*) fail.

        Each waits *delay* seconds first (without holding up other
        connections).  Then: *drop* closes the connection without an
        answer; a *status* of ``None`` answers normally; otherwise the
        answer is *status* with *body* bytes, or *json*, or by default
        TMDb's error body for that status (500 -> 11, 502 -> 43, 503 -> 9,
        429 -> 25 plus ``Retry-After``, ...).

        Args:
            path: The exact path, e.g. ``"/3/authentication/token/new"``.
            count: How many matching requests fail.
            method: Only requests with this method; any if ``None``.
            status: The HTTP status.
            json: A JSON body.
            body: A raw body (garbage, HTML, ...), used instead of *json*.
            content_type: The ``Content-Type`` header.
            headers: Extra headers.
            drop: Close the connection without answering.
            delay: Seconds to wait first.
        """
        if count < 1 or not path.startswith("/"):
            msg = "count must be >= 1 and path must start with '/'"
            raise ValueError(msg)
        if status is not None and not 100 <= status <= 599:
            msg = "status must be an HTTP status code or None"
            raise ValueError(msg)
        if delay < 0:
            msg = "delay must be >= 0"
            raise ValueError(msg)
        fault = Fault(
            path=path,
            method=method.upper() if method else None,
            status=status,
            json=json,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
            drop=drop,
            delay=delay,
        )
        self._traffic.add_fault(fault, count)

    @property
    def requests(self) -> list[RecordedRequest]:
        """
        A copy of the log of every request received, in order.

        Calls of the control API are not logged.
        """
        return self._traffic.requests()

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """
        How many logged requests match *path* and *method* (``None``: any).
        """
        return self._traffic.count(path, method)

    def wait_for(
        self,
        path: str | None = None,
        *,
        method: str | None = None,
        count: int = 1,
        timeout: float = 5.0,
    ) -> bool:
        """
        Block until *count* requests matching *path* and *method* arrived.

        A request counts as soon as it is read, before any fault delay or
        ``session_delay``, so tests can synchronise with requests that are
        still in flight instead of sleeping.

        Returns:
            Whether they arrived within *timeout* seconds.

        .. versionadded:: 0.1.0
        """
        return self._traffic.wait_for(path, method, count, timeout)
