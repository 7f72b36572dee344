"""One operation per stack at a time: an exclusive ``flock`` on ``<root>/stacks/<stack>/lock``.

The holder writes what it is doing (operation id, kind, actor, pid, start time) into the lock file;
a second caller, in this process or another, fails at once with :class:`BusyError` naming it. The
kernel releases the lock when the holder's file is closed, also when its process dies, so a crash
never leaves a stale lock behind. (Across machines, a remote backend's own state locking is the
guard: docs/deploy.md.)
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from dw_constructs.deploy.errors import BusyError


class StackLock:
    def __init__(self, path: Path, stack: str):
        self.path = Path(path)
        self.stack = stack
        self._fd: int | None = None

    def acquire(self, holder: dict[str, Any]) -> StackLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BusyError(self.stack, self.holder()) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({**holder, "pid": os.getpid()}, sort_keys=True).encode(), 0)
        self._fd = fd
        return self

    def update(self, **fields: Any) -> None:
        if self._fd is None:
            return
        current = self._read(self._fd)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps({**current, **fields}, sort_keys=True).encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def _read(fd: int) -> dict[str, Any]:
        raw = os.pread(fd, 65536, 0)
        try:
            got = json.loads(raw) if raw.strip() else {}
        except ValueError:
            got = {}
        return got if isinstance(got, dict) else {}

    def holder(self, wait: float = 1.0) -> dict[str, Any]:
        """What the current holder wrote (waits briefly: a holder writes just after locking)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                return {}
            try:
                got = self._read(fd)
            finally:
                os.close(fd)
            if got or time.monotonic() > deadline:
                return got
            time.sleep(0.05)

    def held_by_other(self) -> dict[str, Any] | None:
        """The holder, when someone else holds the lock now (a non-blocking probe); else None."""
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return self._read(fd) or {"operation": "an operation"}
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def __enter__(self) -> StackLock:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
