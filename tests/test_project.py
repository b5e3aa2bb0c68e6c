"""Project rules that keep the code honest: README commands, CI, layers, lint."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from docs.sync_readme import synced

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_starts_with_the_run_and_test_commands():
    run, test = (block.strip().splitlines() for block in bash_blocks(README)[:2])
    assert run[0].startswith("# Run the dashboard")
    assert run[1] == ("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && "
                      ".venv/bin/streamlit run dashboard.py")  # fmt: skip
    assert test[0].startswith("# Run the whole test suite")
    assert test[1] == ("python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt && "
                       ".venv/bin/python -m pytest")  # fmt: skip
    before_commands = README.split("```bash", 1)[0]
    assert before_commands.count("\n\n") <= 2  # a title and one paragraph, nothing else first


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y chromium" in script
    readme_command = bash_blocks(README)[1].strip().splitlines()[1]
    assert readme_command in script.splitlines()


def test_readme_generated_sections_match_the_code():
    assert synced(README) == README, "README is out of date: run python -m docs.sync_readme"


def modules_of(path: Path) -> set[str]:
    """Full names of the modules a file imports: ``from metrics import voc`` is metrics.voc."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            package = ROOT / node.module.replace(".", "/")
            names |= {
                f"{node.module}.{alias.name}"
                if (package / f"{alias.name}.py").exists() or (package / alias.name).is_dir()
                else node.module
                for alias in node.names
            }  # fmt: skip
    return names


def imports_of(path: Path) -> set[str]:
    """The top-level packages a file imports."""
    return {name.split(".")[0] for name in modules_of(path)}


# Each layer may import only the layers below it (and third-party code): data_access at the
# bottom, the Streamlit shell (ui) and the pages on top; Streamlit only in the shell and pages.
# The command line (atlas) is a top entry beside the shell: every layer but ui, no Streamlit.
LAYERS = {
    "data_access": set(),
    "metrics": {"data_access"},
    "presentation": {"metrics", "data_access"},
    "reports": {"presentation", "metrics", "data_access"},
    "ui": {"reports", "presentation", "metrics", "data_access", "streamlit"},
    "atlas": {"reports", "presentation", "metrics", "data_access"},
}
OURS = {*LAYERS, "pages", "dashboard", "streamlit", "duckdb"}
# Pages only choose controls and lay out results: data comes through named functions of ui.data,
# so a page reaches the layers below only for formatting, charts and the KPI declarations.
PAGE_IMPORTS = ("ui", "presentation", "metrics.registry", "streamlit")


def test_layers_flow_one_way():
    for layer, below in LAYERS.items():
        allowed = below | ({"duckdb"} if layer == "data_access" else set())
        for path in (ROOT / layer).rglob("*.py"):
            imported = imports_of(path) & OURS - {layer}
            assert imported <= allowed, f"{path.relative_to(ROOT)} imports {imported - allowed}"
    for path in [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")]:
        source = path.read_text()
        assert "duckdb" not in imports_of(path), path
        assert not re.search(r"\bSELECT\b|\bdb\.query\(|database\(\)\.query\(", source), (
            f"SQL in a page: {path}"
        )
        beyond = {m for m in modules_of(path) if m.split(".")[0] in OURS
                  and not any(m == a or m.startswith(f"{a}.") for a in PAGE_IMPORTS)}  # fmt: skip
        assert not beyond, f"{path.relative_to(ROOT)} reaches past ui: imports {sorted(beyond)}"


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_vulture_finds_no_unused_code():
    # paths, confidence and the few names only frameworks use: [tool.vulture] in pyproject.toml
    result = subprocess.run([sys.executable, "-m", "vulture"], cwd=ROOT, capture_output=True,
                            text=True)  # fmt: skip
    assert result.returncode == 0, "unused code:\n" + result.stdout + result.stderr


def declared(requirements: Path) -> set[str]:
    """Distribution names a requirements file installs (following its ``-r`` includes)."""
    names = set()
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r"):
            names |= declared(requirements.parent / line[2:].strip())
        elif line:
            names.add(re.split(r"[<>=!~\[ ;]", line)[0].lower().replace("_", "-"))
    return names


def test_every_library_the_product_imports_is_in_requirements():
    """CI installs from requirements.txt alone: a library that is only in a developer's venv
    passes every local run and fails on a clean machine."""
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    runtime = declared(ROOT / "requirements.txt")
    sources = [ROOT / "dashboard.py", *(p for layer in [*LAYERS, "pages"]
                                        for p in (ROOT / layer).rglob("*.py"))]  # fmt: skip
    missing = {}
    for path in sources:
        for name in imports_of(path) - OURS - set(sys.stdlib_module_names) - {"__future__"}:
            dists = {d.lower().replace("_", "-") for d in providers.get(name, [name])}
            if not dists & runtime:
                missing.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"imported but not in requirements.txt: {missing}"
