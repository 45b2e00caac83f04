"""The demo gateway's own books: a SQLite file of its own (`PAY_DEMO_GATEWAY_DB`).

The gateway is an outside system standing in for WeChat Pay and Alipay, so it keeps its
orders, refunds and callback deliveries apart from GridCare's database, like the real
providers do; several processes share the file (WAL, a busy timeout).
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    provider TEXT NOT NULL, merchant TEXT NOT NULL, out_trade_no TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE, amount_fen INTEGER NOT NULL, subject TEXT NOT NULL,
    trade_type TEXT NOT NULL, notify_url TEXT NOT NULL, return_url TEXT NOT NULL,
    state TEXT NOT NULL, txn_id TEXT NOT NULL DEFAULT '', paid_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, expire_at TEXT NOT NULL, refunded_fen INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider, merchant, out_trade_no)
);
CREATE TABLE IF NOT EXISTS refunds (
    provider TEXT NOT NULL, merchant TEXT NOT NULL, out_refund_no TEXT NOT NULL,
    out_trade_no TEXT NOT NULL, amount_fen INTEGER NOT NULL, refund_id TEXT NOT NULL,
    status TEXT NOT NULL, created_at TEXT NOT NULL, notify_url TEXT NOT NULL,
    PRIMARY KEY (provider, merchant, out_refund_no)
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY, provider TEXT NOT NULL, out_trade_no TEXT NOT NULL,
    kind TEXT NOT NULL, url TEXT NOT NULL, status INTEGER NOT NULL, answer TEXT NOT NULL,
    at TEXT NOT NULL
);
"""

# States (as WeChat names them; the Alipay side maps them to its own words).
NOTPAY, SUCCESS, CLOSED = "NOTPAY", "SUCCESS", "CLOSED"
_ready: set[str] = set()
_ready_lock = threading.Lock()


@dataclass(frozen=True)
class Order:
    provider: str
    merchant: str
    out_trade_no: str
    token: str
    amount_fen: int
    subject: str
    trade_type: str
    notify_url: str
    return_url: str
    state: str
    txn_id: str
    paid_at: str
    created_at: str
    expire_at: str
    refunded_fen: int


@dataclass(frozen=True)
class RefundRow:
    provider: str
    merchant: str
    out_refund_no: str
    out_trade_no: str
    amount_fen: int
    refund_id: str
    status: str
    created_at: str
    notify_url: str


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=20, isolation_level=None)
        conn.row_factory = sqlite3.Row
        key = str(self.path)
        if key not in _ready:
            with _ready_lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
                _ready.add(key)
        return conn

    def _one(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Row | None:
        with closing(self.connect()) as conn:
            row: sqlite3.Row | None = conn.execute(sql, args).fetchone()
            return row

    def _run(self, sql: str, args: tuple[Any, ...]) -> int:
        with closing(self.connect()) as conn:
            return conn.execute(sql, args).rowcount

    def order(self, provider: str, merchant: str, out_trade_no: str) -> Order | None:
        row = self._one(
            "SELECT * FROM orders WHERE provider=? AND merchant=? AND out_trade_no=?",
            (provider, merchant, out_trade_no),
        )
        return Order(**dict(row)) if row else None

    def order_by_token(self, token: str) -> Order | None:
        row = self._one("SELECT * FROM orders WHERE token=?", (token,))
        return Order(**dict(row)) if row else None

    def order_add(self, order: Order) -> Order:
        """Insert `order`, or return the one already there under its number."""
        with suppress(sqlite3.IntegrityError):  # a repeat of the same order number
            self._run(
                "INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                tuple(order.__dict__.values()),
            )
        found = self.order(order.provider, order.merchant, order.out_trade_no)
        assert found is not None
        return found

    def order_pay(self, order: Order, txn_id: str) -> bool:
        """NOTPAY → SUCCESS once (compare-and-set); False if it was not awaiting payment."""
        return (
            self._run(
                "UPDATE orders SET state=?, txn_id=?, paid_at=? WHERE provider=? AND "
                "merchant=? AND out_trade_no=? AND state=?",
                (
                    SUCCESS,
                    txn_id,
                    now_text(),
                    order.provider,
                    order.merchant,
                    order.out_trade_no,
                    NOTPAY,
                ),
            )
            == 1
        )

    def order_close(self, order: Order) -> bool:
        return (
            self._run(
                "UPDATE orders SET state=? WHERE provider=? AND merchant=? AND out_trade_no=? "
                "AND state=?",
                (CLOSED, order.provider, order.merchant, order.out_trade_no, NOTPAY),
            )
            == 1
        )

    def refund(self, provider: str, merchant: str, out_refund_no: str) -> RefundRow | None:
        row = self._one(
            "SELECT * FROM refunds WHERE provider=? AND merchant=? AND out_refund_no=?",
            (provider, merchant, out_refund_no),
        )
        return RefundRow(**dict(row)) if row else None

    def refund_add(self, refund: RefundRow) -> bool:
        """Record a refund and count it on its order, if the order still holds that much;
        False (nothing written) when it does not or the refund number is taken."""
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            moved = conn.execute(
                "UPDATE orders SET refunded_fen = refunded_fen + ? WHERE provider=? AND "
                "merchant=? AND out_trade_no=? AND state=? AND refunded_fen + ? <= amount_fen",
                (
                    refund.amount_fen,
                    refund.provider,
                    refund.merchant,
                    refund.out_trade_no,
                    SUCCESS,
                    refund.amount_fen,
                ),
            ).rowcount
            if moved != 1:
                conn.execute("ROLLBACK")
                return False
            conn.execute(
                "INSERT INTO refunds VALUES (?,?,?,?,?,?,?,?,?)", tuple(refund.__dict__.values())
            )
            conn.execute("COMMIT")
            return True
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            return False
        finally:
            conn.close()

    def refund_set(self, refund: RefundRow, status: str) -> None:
        self._run(
            "UPDATE refunds SET status=? WHERE provider=? AND merchant=? AND out_refund_no=?",
            (status, refund.provider, refund.merchant, refund.out_refund_no),
        )

    def delivery_log(
        self, *, provider: str, out_trade_no: str, kind: str, url: str, status: int, answer: str
    ) -> None:
        self._run(
            "INSERT INTO deliveries (provider, out_trade_no, kind, url, status, answer, at) "
            "VALUES (?,?,?,?,?,?,?)",
            (provider, out_trade_no, kind, url, status, answer[:200], now_text()),
        )

    def deliveries(self, out_trade_no: str) -> list[dict[str, Any]]:
        with closing(self.connect()) as conn:
            rows = conn.execute(
                "SELECT * FROM deliveries WHERE out_trade_no=? ORDER BY id", (out_trade_no,)
            ).fetchall()
        return [dict(row) for row in rows]
