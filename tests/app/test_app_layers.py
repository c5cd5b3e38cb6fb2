"""Which layer may import which (docs/architecture.md), read from every import statement of the package.

import-linter's graph builder (grimp) walks a package's folder, and ours are mapped from other
folders by setuptools' package-dir (imalink.db is db/), so it sees none of them: this test reads
the same facts with ``ast``, function-level imports included.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIRS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]

# module prefix -> (imalink modules it may import, outside packages it must not import).
# The most specific prefix of a module is its rule.
OWN = ("imalink.db", "imalink.exif", "imalink.resolvers", "imalink.schema", "imalink.importer")
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "imalink.db": (("imalink.db",), ("strawberry", "graphql", "starlette", "imalink.exif")),
    "imalink.exif": (("imalink.exif",), ("sqlalchemy", "sqlmodel", "strawberry", "graphql", "starlette")),
    # Resolvers may batch with Strawberry's DataLoader, but know nothing else of GraphQL or HTTP.
    "imalink.resolvers": (("imalink.resolvers", "imalink.db", "imalink.exif"), ("graphql", "starlette", "strawberry.types")),
    # Cancellation (db.interrupts) is infrastructure every layer may ask about: whether the request
    # it serves was stopped.
    "imalink.schema": (("imalink.schema", "imalink.resolvers", "imalink.db.interrupts"), ("starlette",)),
    # The app package wires (engine, migrations, maintenance, cancellation, schema, the importer
    # command, serving, the web app); it reaches resolvers only through the schema (its preview
    # routes through schema.previews, authentication and `imalink user` through
    # schema.accounts.service). No module of it has a rule of its own.
    "imalink": (("imalink.app", "imalink.auth", "imalink.cli", "imalink.graphql_view", "imalink.guard", "imalink.headers", "imalink.local",
                 "imalink.media", "imalink.reclaim", "imalink.serving", "imalink.settings", "imalink.users", "imalink.web", "imalink.schema",
                 "imalink.db.engine", "imalink.db.migrate", "imalink.db.maintenance", "imalink.db.interrupts",
                 "imalink.importer"), ()),
    # The importer speaks GraphQL only: to a server, or in-process through the app's local mode.
    # It shares the EXIF engine's bounded container walker (one walk of JPEG/TIFF/HEIC structure).
    "imalink.importer": (("imalink.importer", "imalink.local", "imalink.exif"), ("sqlalchemy", "strawberry")),
}


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue  # Alembic's scripts, run by Alembic
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


KNOWN = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, at any depth of the file, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            # ``from package import submodule`` depends on the submodule; any other name, on ``module``.
            for alias in node.names:
                found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in KNOWN else module)
    return found


def rule_for(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    best = max((prefix for prefix in RULES if name == prefix or name.startswith(prefix + ".")), key=len)
    return RULES[best]


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def graph() -> dict[str, set[str]]:
    return {name: {m for m in imports_of(name, path) if m in KNOWN and m != name} for name, path in KNOWN.items()}


def test_each_layer_imports_only_what_it_may():
    wrong = []
    for name, path in KNOWN.items():
        allowed, forbidden = rule_for(name)
        for module in sorted(imports_of(name, path)):
            if under(module, ("imalink",)) and not under(module, allowed):
                wrong.append(f"{name} imports {module}")
            if under(module, forbidden):
                wrong.append(f"{name} imports {module} (forbidden)")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            visit(node)
    assert not cycles, cycles


def test_the_rules_see_every_module_and_catch_a_wrong_import(tmp_path):
    assert {"imalink.db.tables", "imalink.exif.reader", "imalink.resolvers.imports.plan", "imalink.schema.build",
            "imalink.app", "imalink.importer.cli"} <= set(KNOWN)
    # A db module importing the schema would be reported (the check is not vacuous).
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from imalink.schema.build import build_schema\n")
    assert "imalink.schema.build" in imports_of("imalink.db.bad", bad)
    assert not under("imalink.schema.build", rule_for("imalink.db.bad")[0])
    # No module of the app package may reach into resolvers, the HTTP ones included.
    for app_module in ("imalink.auth", "imalink.media", "imalink.users", "imalink.app"):
        assert not under("imalink.resolvers.accounts.service", rule_for(app_module)[0])
