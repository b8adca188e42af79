"""Decoding a 200-invoice list page into models, against `json.loads` of the same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable

from .context import Context
from .core import Benchmark, BenchmarkError, Result, time_paired
from .sample_page import sales_invoice_page

ITEMS = 200
ROUNDS = 7


def _check(decoded: object, label: str) -> None:
    items = getattr(decoded, "items", None)
    if not isinstance(items, list) or len(items) != ITEMS:
        raise BenchmarkError(f"{label} did not decode {ITEMS} invoices from the page")


def _run(context: Context) -> list[Result]:
    # Imported here: the package may only become importable once the context has located it.
    context.ours_parent()
    from sage_accounting._wire import loads_json
    from sage_accounting.models import SalesInvoiceList

    stock_list = context.import_stock("models").SalesInvoiceList
    strings = json.dumps(sales_invoice_page(context.spec, items=ITEMS)).encode()
    numbers = json.dumps(sales_invoice_page(context.spec, items=ITEMS, decimals="numbers")).encode()

    candidates: dict[str, Callable[[], object]] = {
        "json": lambda: json.loads(strings),
        "ours": lambda: SalesInvoiceList.from_dict(loads_json(strings)),
        "json numbers": lambda: json.loads(numbers),
        "ours numbers": lambda: SalesInvoiceList.from_dict(loads_json(numbers)),
        "stock": lambda: stock_list.from_dict(json.loads(strings)),
    }
    for label in ("ours", "ours numbers", "stock"):
        _check(candidates[label](), label)
    timings = time_paired(candidates, rounds=ROUNDS)
    method = (
        f"median of {ROUNDS} paired rounds, one {len(strings) / 1e6:.1f} MB page of {ITEMS} "
        "invoices, every amount exact (Decimal)"
    )
    return [
        Result(
            name="decode-page",
            ours=timings["ours"],
            baseline=timings["json"],
            baseline_label="json.loads of the same bytes (amounts as numeric strings)",
            method=method,
            goal=3.0,
        ),
        Result(
            name="decode-page-numbers",
            ours=timings["ours numbers"],
            baseline=timings["json numbers"],
            baseline_label="json.loads of the same bytes (amounts as JSON numbers)",
            method=method,
            goal=3.0,
        ),
        Result(
            name="decode-page-vs-stock",
            ours=timings["ours"],
            baseline=timings["stock"],
            baseline_label="stock output: SalesInvoiceList.from_dict(json.loads(raw))",
            method=method,
        ),
    ]


DECODE = Benchmark(
    name="decode",
    summary="SalesInvoiceList.from_dict(loads_json(raw)) on a 200-invoice page vs json.loads",
    run=_run,
)
