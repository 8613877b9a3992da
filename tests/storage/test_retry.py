"""Transactions that lose a lock conflict are run again; other errors are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from wabroadcast.storage.retry import is_conflict, is_deadlock, retry_on_conflict


def test_sqlite_locked_is_retried_until_the_lock_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    tries: list[int] = []

    def write() -> int:
        tries.append(1)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        return len(tries)

    def wait(_: float) -> None:
        holder.execute("COMMIT")  # the other writer finishes while we wait

    try:
        assert retry_on_conflict(write, sleep=wait) == 2
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        engine.dispose()
        holder.close()


def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    tries: list[int] = []

    def broken() -> None:
        tries.append(1)
        with engine.begin() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))

    try:
        with pytest.raises(OperationalError) as info:
            retry_on_conflict(broken, sleep=lambda _: None)
        assert len(tries) == 1
        assert not is_conflict(info.value) and not is_deadlock(info.value)
    finally:
        engine.dispose()


def test_gives_up_after_the_bounded_attempts(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    tries: list[int] = []

    def write() -> None:
        tries.append(1)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))

    try:
        with pytest.raises(OperationalError) as info:
            retry_on_conflict(write, attempts=3, sleep=lambda _: None)
        assert len(tries) == 3 and is_conflict(info.value) and not is_deadlock(info.value)
    finally:
        holder.execute("ROLLBACK")
        engine.dispose()
        holder.close()
