"""Decoding a 200-invoice list page into models, against `json.loads` of the same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable

from .context import Context
from .core import Benchmark, BenchmarkError, Result, time_call
from .sample_page import sales_invoice_page

ITEMS = 200


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
    raw = json.dumps(sales_invoice_page(context.spec, items=ITEMS)).encode()

    def ours() -> object:
        return SalesInvoiceList.from_dict(loads_json(raw))

    def stock() -> object:
        return stock_list.from_dict(json.loads(raw))

    def plain() -> object:
        return json.loads(raw)

    _check(ours(), "sage_accounting")
    _check(stock(), "the stock output")
    timings: dict[str, list[float]] = {}
    candidates: dict[str, Callable[[], object]] = {"json": plain, "ours": ours, "stock": stock}
    for label, function in candidates.items():
        timings[label] = time_call(function)
    method = f"median of 7 timeit repeats, one {len(raw) / 1e6:.1f} MB page of {ITEMS} invoices"
    return [
        Result(
            name="decode-page",
            ours=timings["ours"],
            baseline=timings["json"],
            baseline_label="json.loads of the same bytes",
            method=method,
            goal=5.0,
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
