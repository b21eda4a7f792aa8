"""The layering rules of DESIGN.md, checked on the source: who may import what, and no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("semantic", "ingest", "ml", "viz", "workspace", "ui", "app_pages")
UI_ONLY = {"streamlit"}
PAGE_FORBIDDEN = {"duckdb", "sqlglot", "sklearn", "openai", "psycopg"}


def project_files() -> dict[str, Path]:
    files = {p.stem: p for p in ROOT.glob("*.py")}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            files[module.removesuffix(".__init__")] = path
    return files


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    files = project_files()
    return {module: {i for i in imports_of(path) if i in files and i != module} for module, path in files.items()}


def test_there_are_files_to_check() -> None:
    assert {"semantic.compile", "app_pages.home", "app", "beacon", "errors"} <= set(project_files())


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            assert state.get(target) != 1, "import cycle: " + " -> ".join([*trail, module, target])
            if target not in state:
                visit(target, [*trail, module])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])


def test_streamlit_only_in_the_app_layer() -> None:
    for module, path in project_files().items():
        roots = {i.split(".")[0] for i in imports_of(path)}
        if module == "app" or module.startswith(("app_pages", "ui")):
            continue
        assert not roots & UI_ONLY, f"{module} imports streamlit; only app.py, pages/ and ui/ may"


def test_pages_stay_thin() -> None:
    for module, path in project_files().items():
        if module.startswith("app_pages"):
            roots = {i.split(".")[0] for i in imports_of(path)}
            assert not roots & PAGE_FORBIDDEN, f"{module} imports {roots & PAGE_FORBIDDEN}"


def test_errors_module_imports_nothing_from_the_project() -> None:
    assert not graph()["errors"]


def test_openai_only_in_the_llm_engine() -> None:
    files = {**project_files(), **{f"commands.{p.stem}": p for p in (ROOT / "commands").glob("*.py")}}
    importers = {module for module, path in files.items() if "openai" in {i.split(".")[0] for i in imports_of(path)}}
    assert "semantic.nlq.llm" in importers, "the check found no importer at all; is it still reading the sources?"
    others = importers - {"semantic.nlq.llm"}
    assert not others, f"{sorted(others)} import openai; only the LLM engine (semantic/nlq/llm.py) may"
