"""Reference documentation from the patched spec: a page per resource and per model.

`python -m generator.docs --out DIR` writes a complete mkdocs project into DIR: the
hand-written guides of docs/ plus generated reference pages, and mkdocs.yml. `nox -s docs`
builds it into site/ with `mkdocs build --strict`, so a broken internal link fails the build.
Plain Markdown and the built-in theme: about 600 pages build in seconds, no code introspection.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openapi_python_client.strings import ClassName, PythonIdentifier

from . import availability
from .facade import describe
from .spec import PROJECT_ROOT

GUIDES = PROJECT_ROOT / "docs"
SPEC = PROJECT_ROOT / "generated" / "openapi.json"
REF = "#/components/schemas/"

GUIDE_NAV = [
    ("Install", "guides/install.md"),
    ("Log in", "guides/login.md"),
    ("Businesses", "guides/businesses.md"),
    ("Pagination and large extracts", "guides/pagination.md"),
    ("Delta sync", "guides/delta-sync.md"),
    ("Keeping the books in a database", "guides/sync.md"),
    ("AI agents: the MCP server", "guides/mcp.md"),
    ("Models: exact values, blanks, types", "guides/models.md"),
    ("Retries, limits and errors", "guides/retries.md"),
    ("Errors: what each means, what to do", "guides/errors.md"),
    ("Attachments as files", "guides/attachments.md"),
    ("Async", "guides/async.md"),
    ("Testing with the emulator", "guides/testing.md"),
    ("Where the live API differs from its spec", "guides/live-api.md"),
    ("Running many workers", "guides/many-workers.md"),
    ("Regeneration and spec changes", "guides/regeneration.md"),
]


def class_name(schema: str) -> str:
    return str(ClassName(schema, prefix=""))


def attribute(name: str) -> str:
    return str(PythonIdentifier(name, prefix="field_"))


def _cell(text: str | None) -> str:
    """Text for one Markdown table cell: one line, pipes escaped."""
    if not text:
        return ""
    return " ".join(text.replace("|", "\\|").split())


def python_type(schema: dict[str, Any], link: str = "{}.md") -> str:
    """The Python type of a schema, with models linked."""
    nullable = schema.get("nullable") is True
    if "$ref" in schema:
        text = _model_link(schema["$ref"], link)
    elif "oneOf" in schema and len(schema["oneOf"]) == 1:
        text = python_type(schema["oneOf"][0], link)
    elif schema.get("type") == "array":
        text = f"list[{python_type(schema.get('items') or {}, link)}]"
    else:
        text = _scalar(schema)
    return f"{text} \\| None" if nullable else text


def _model_link(ref: str, link: str) -> str:
    name = class_name(ref.removeprefix(REF))
    return f"[{name}]({link.format(name)})"


def _scalar(schema: dict[str, Any]) -> str:
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        return {
            "decimal": "Decimal",
            "date": "datetime.date",
            "date-time": "datetime.datetime",
            "binary": "bytes",
        }.get(fmt or "", "str")
    return {"integer": "int", "boolean": "bool", "number": "float", "object": "dict"}.get(
        kind or "", "Any"
    )


def resource_page(resource: dict[str, Any], table: dict[str, Any] | None = None) -> str:
    name = resource["name"]
    lines = [
        f"# {name}",
        "",
        f"`client.{name}` (`{resource['class_name']}`) serves `{resource['path']}`. "
        "`AsyncSageAccounting` has the same methods, awaited.",
        "",
    ]
    if table is not None:
        lines += availability_section(name, [m["name"] for m in resource["methods"]], table)
    for method in resource["methods"]:
        lines += _method_section(name, method)
        if method.get("changes"):
            lines += _changes_section(name, method)
    mixin = resource.get("mixin")
    if mixin:
        names = " and ".join(f"`{method}`" for method in mixin["methods"])
        lines += [
            f"## {', '.join(mixin['methods'])}",
            "",
            f"Written by hand on top of the spec: {names}, described in the "
            f"[guide](../../{mixin['guide']}).",
            "",
        ]
    return "\n".join(lines) + "\n"


def availability_section(name: str, methods: list[str], table: dict[str, Any]) -> list[str]:
    """Where the spec offers the resource: a table of edition x country, then its methods
    whose availability differs from the resource's."""
    offered = availability.offered_by_name(table, name)
    lines = ["## Availability", ""]
    if offered is None:
        lines += [f"The spec's Endpoint Availability does not say where `{name}` is offered.", ""]
    else:
        countries = table["countries"]
        lines += [
            f"Where the spec's Endpoint Availability offers `{name}` ({methods[0]}); "
            f'`sage_accounting.availability.offered("{name}", country, edition)` answers the same:',
            "",
            "| edition | " + " | ".join(countries) + " |",
            "|---|" + "---|" * len(countries),
        ]
        for edition, long_name in table["edition_names"].items():
            cells = ["✓" if c in offered[edition] else "" for c in countries]
            lines.append(f"| {long_name} | " + " | ".join(cells) + " |")
        lines.append("")
    for method in methods[1:]:
        other = availability.offered_by_name(table, f"{name}.{method}")
        if other != offered:
            lines += [f"`{method}` differs: {_where_text(other, table)}.", ""]
    return lines


def _where_text(offered: dict[str, list[str]] | None, table: dict[str, Any]) -> str:
    if offered is None:
        return "the spec does not say"
    parts = [
        f"{table['edition_names'][edition]} in {', '.join(countries)}"
        for edition, countries in offered.items()
        if countries
    ]
    return "; ".join(parts) if parts else "offered nowhere"


def _changes_section(resource: str, method: dict[str, Any]) -> list[str]:
    changes = method["changes"]
    deleted = "ids deleted since" if changes.get("deleted") else "None (no deletions reported)"
    return [
        "## changes",
        "",
        f"Delta sync over `GET {method['path']}`: records updated or created since a "
        f"watermark, {deleted}, and the new watermark from the server's clock.",
        "",
        "```python",
        f"changes = client.{resource}.changes(since=watermark)",
        "for record in changes.updated:",
        "    upsert(record)",
        "for key in changes.deleted or ():",
        "    remove(key)",
        "watermark = changes.watermark",
        "```",
        "",
        "See [Delta sync](../../guides/delta-sync.md).",
        "",
    ]


def split_arguments(signature: str) -> list[str]:
    """The arguments of a signature, split at top-level commas only."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(signature):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(signature[start:index].strip())
            start = index + 1
    parts.append(signature[start:].strip())
    return [part for part in parts if part and part != "self"]


def _call(resource: str, name: str, signature: str) -> str:
    arguments = split_arguments(signature)
    if len(", ".join(arguments)) <= 60:
        return f"client.{resource}.{name}({', '.join(arguments)})"
    body = "".join(f"    {argument},\n" for argument in arguments)
    return f"client.{resource}.{name}(\n{body})"


def _method_section(resource: str, method: dict[str, Any]) -> list[str]:
    lines = [
        f"## {method['name']}",
        "",
        f"`{method['http_method']} {method['path']}`: {_cell(method.get('summary'))}",
        "",
        "```python",
        _call(resource, method["name"], method["signature"]),
        "```",
        "",
    ]
    returns = method.get("returns") or {}
    if returns.get("model_class"):
        model = returns["model_class"]
        prefix = "a pager of " if method["kind"] == "list" else ""
        lines += [f"Returns {prefix}[{model}](../models/{model}.md).", ""]
    params = method.get("params") or []
    if params:
        lines += ["| parameter | type | description |", "|---|---|---|"]
        for param in params:
            required = " (required)" if param.get("required") else ""
            lines.append(
                f"| `{param['python_name']}`{required} | `{param['annotation']}` "
                f"| {_cell(param.get('description'))} |"
            )
        lines.append("")
    body = method.get("body")
    if body:
        inner = body["inner_class"]
        required = ", ".join(f"`{field}`" for field in body.get("required", [])) or "none"
        lines += [
            f"Body: a [{inner}](../models/{inner}.md) or a dict of its fields, wrapped as "
            f'`{{"{body["wrapper"]}": ...}}` for you. Required fields: {required}.',
            "",
        ]
    lines += ["Example:", "", "```python", _example(resource, method), "```", ""]
    if method.get("description"):
        lines += [_demote(method["description"]), ""]
    return lines


def _example(resource: str, method: dict[str, Any]) -> str:
    kind = method["kind"]
    key = '"KEY"' if method.get("has_key") else ""
    if kind == "list":
        return f"for record in client.{resource}.list():\n    print(record.id, record.displayed_as)"
    if kind in ("create", "update", "singleton_update"):
        fields = (method.get("body") or {}).get("required") or ["name"]
        values = ", ".join(f'"{field}": ...' for field in fields)
        args = f"{key}, {{{values}}}" if key else f"{{{values}}}"
        return f"record = client.{resource}.{method['name']}({args})"
    return f"result = client.{resource}.{method['name']}({key})"


def _demote(markdown: str) -> str:
    """Spec descriptions use ### headings; inside a method section they become ####."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.splitlines())


def model_page(schema_name: str, schema: dict[str, Any]) -> str:
    name = class_name(schema_name)
    lines = [f"# {name}", ""]
    if schema.get("description"):
        lines += [_demote(schema["description"]), ""]
    lines += [f"`from sage_accounting.models import {name}`", ""]
    if schema.get("enum"):
        values = ", ".join(f"`{value}`" for value in schema["enum"] if value is not None)
        return "\n".join([*lines, f"An enumeration of: {values}.", ""]) + "\n"
    required = set(schema.get("required", []))
    properties = schema.get("properties", {})
    if properties:
        lines += ["| field | type | description |", "|---|---|---|"]
        for wire, prop in properties.items():
            mark = " (required)" if wire in required else ""
            python = attribute(wire)
            name = f"`{python}`" if python == wire else f"`{python}` (wire: `{wire}`)"
            lines.append(
                f"| {name}{mark} | {python_type(prop)} | {_cell(prop.get('description'))} |"
            )
        lines.append("")
    lines += [
        "Fields Sage adds later are kept in `additional_properties` and sent back by `to_dict()`.",
        "",
    ]
    return "\n".join(lines) + "\n"


def index_pages(resources: list[dict[str, Any]], schemas: dict[str, Any]) -> dict[str, str]:
    resource_lines = ["# Resources", "", "| resource | path | methods |", "|---|---|---|"]
    for resource in resources:
        methods = ", ".join(m["name"] for m in resource["methods"])
        resource_lines.append(
            f"| [{resource['name']}]({resource['name']}.md) | `{resource['path']}` | {methods} |"
        )
    names = sorted(class_name(name) for name in schemas)
    model_lines = ["# Models", "", *(f"- [{name}]({name}.md)" for name in names)]
    return {
        "reference/resources/index.md": "\n".join(resource_lines) + "\n",
        "reference/models/index.md": "\n".join(model_lines) + "\n",
    }


def mkdocs_config(resources: list[dict[str, Any]]) -> str:
    nav: list[Any] = [
        {"Home": "index.md"},
        {"Guides": [{title: path} for title, path in GUIDE_NAV]},
        {
            "Reference": [
                {"Resources": "reference/resources/index.md"},
                {"Models": "reference/models/index.md"},
                *({r["name"]: f"reference/resources/{r['name']}.md"} for r in resources),
            ]
        },
    ]
    config = {
        "site_name": "sage-accounting",
        "site_description": "Typed Python client for the Sage Business Cloud Accounting API",
        # No highlight.js: the theme would fetch it from a CDN, and the site must work offline.
        "theme": {"name": "mkdocs", "highlightjs": False},
        "docs_dir": "docs",
        "use_directory_urls": False,
        "strict": True,
        "validation": {
            "omitted_files": "info",
            "absolute_links": "warn",
            "unrecognized_links": "warn",
            "anchors": "warn",
            "links": {"not_found": "warn"},
        },
        "markdown_extensions": ["tables", "fenced_code", "toc"],
        "nav": nav,
    }
    # JSON is YAML: no YAML writer needed.
    return json.dumps(config, indent=1, ensure_ascii=False) + "\n"


def write_site_source(out: Path, spec_path: Path = SPEC, guides: Path = GUIDES) -> int:
    """Write the mkdocs project into `out` (replacing it); returns the number of pages."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    facade = describe(spec)
    resources = facade["resources"]
    table = availability.describe(spec, facade)
    schemas = spec["components"]["schemas"]
    if out.exists():
        shutil.rmtree(out)
    docs = out / "docs"
    shutil.copytree(guides, docs)
    pages: dict[str, str] = index_pages(resources, schemas)
    for resource in resources:
        pages[f"reference/resources/{resource['name']}.md"] = resource_page(resource, table)
    for schema_name, schema in schemas.items():
        pages[f"reference/models/{class_name(schema_name)}.md"] = model_page(schema_name, schema)
    for relative, text in pages.items():
        target = docs / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (out / "mkdocs.yml").write_text(mkdocs_config(resources), encoding="utf-8")
    return len(pages) + sum(1 for _ in guides.rglob("*.md"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.docs", description=__doc__)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "docs-src")
    args = parser.parse_args(argv)
    count = write_site_source(args.out)
    print(f"{count} pages written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
