"""Processes and the OS locks they hold: what keeps a forked worker from outliving its run, and what lets
recovery find a writer lock that a dead run's orphans still hold.

Why this exists: the writer lock is an `flock` on `.<db>.duckdb.lock`. An flock belongs to the open file
description, not to a process, so every process forked while it is held (the cleaning and extraction pool)
shares it, and the kernel releases it only when the last of them closes the descriptor. A run killed with
`kill -9` during a pooled stage used to leave its workers alive (parent 1, asleep on their pipe), and they
kept the lock held forever: every later run blocked on it. Two defences, both here:

- a worker drops its inherited flocked descriptors as it starts and dies with its parent
  (`prepare_worker`);
- recovery finds a lock whose taker is dead but whose descriptor is still held by other processes, and
  ends them (`orphaned_lock_holders`, `end_orphans`).

Linux only (`/proc`, `prctl`); elsewhere the functions do nothing and say so by returning nothing.
Nothing here imports Dagster.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1


def prepare_worker(parent: int) -> None:
    """In a freshly forked worker: give up inherited flocks and die with `parent`.

    The flocked descriptors are pointed at /dev/null rather than closed, so that the descriptor numbers
    the parent's objects (copied into the worker) refer to never name another file. Death with the parent
    is `PR_SET_PDEATHSIG` (SIGKILL when the thread that forked us ends; the pool is created and used by
    one stage in one thread); if the parent is already gone by the time it is set, the worker leaves now."""
    drop_inherited_flocks()
    if not _set_parent_death_signal(signal.SIGKILL):
        return
    if os.getppid() != parent:
        os._exit(1)


def _set_parent_death_signal(sig: int) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def drop_inherited_flocks() -> list[int]:
    """Point every descriptor of this process that carries an flock at /dev/null; returns their numbers.
    Dropping the worker's copy releases nothing the parent holds: the lock lives while any copy does."""
    dropped = []
    null = None
    for fd in _flocked_fds("self"):
        if null is None:
            null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, fd)
            dropped.append(fd)
        except OSError:
            pass
    if null is not None:
        os.close(null)
    return dropped


@dataclass(frozen=True)
class LockHolder:
    pid: int              # a process that holds a descriptor carrying the lock
    taker: int            # the process that took the lock (the kernel's record)
    path: str


def orphaned_lock_holders(folder: str | os.PathLike[str]) -> list[LockHolder]:
    """Processes holding an flock on a file in `folder` that was taken by a process that no longer exists:
    descriptors inherited from a dead writer. A lock held by its live taker (a running run, its own
    workers included) is never listed."""
    folder = Path(folder).resolve()
    found = []
    for pid in _pids():
        if pid == os.getpid():
            continue
        for _fd, target, taker in _flocks_of(str(pid)):
            if Path(target).parent == folder and taker != pid and not _exists(taker):
                found.append(LockHolder(pid, taker, target))
    return found


def end_orphans(holders: list[LockHolder], wait: float = 5.0) -> list[LockHolder]:
    """SIGKILL each holder (an orphaned worker sleeps on a pipe that will never speak again), and wait up to
    `wait` seconds for them to be gone; returns the ones that were ended."""
    ended = []
    for holder in holders:
        try:
            os.kill(holder.pid, signal.SIGKILL)
            ended.append(holder)
        except ProcessLookupError:
            ended.append(holder)
        except PermissionError:
            pass               # someone else's process: left alone, and the caller says the lock is held
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(_exists(h.pid) for h in ended):
        time.sleep(0.02)
    return ended


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _flocked_fds(pid: str) -> list[int]:
    return [fd for fd, _, _ in _flocks_of(pid)]


def _flocks_of(pid: str) -> list[tuple[int, str, int]]:
    """(descriptor, file it names, taker pid) of each of process `pid`'s descriptors that carries an flock."""
    out = []
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return out
    for name in fds:
        try:
            with open(f"/proc/{pid}/fdinfo/{name}", encoding="ascii", errors="replace") as fh:
                info = fh.read()
        except OSError:
            continue
        for line in info.splitlines():
            fields = line.split()
            if fields[:1] == ["lock:"] and fields[2:3] == ["FLOCK"]:
                try:
                    taker = int(fields[5])
                    target = os.readlink(f"/proc/{pid}/fd/{name}")
                except (IndexError, ValueError, OSError):
                    continue
                out.append((int(name), target, taker))
                break
    return out


def _exists(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
