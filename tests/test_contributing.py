"""CONTRIBUTING.md must match the code: every `path:name` it points at exists, and every file path it
names is there (a renamed function fails this test until the guide follows)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "CONTRIBUTING.md").read_text()


def defined_names(path: Path) -> dict[str, ast.AST]:
    """Top-level functions, classes and assignments of a module, by name."""
    names: dict[str, ast.AST] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update({t.id: node for t in targets if isinstance(t, ast.Name)})
    return names


def resolves(path: Path, dotted: str) -> bool:
    first, *rest = dotted.split(".")
    node = defined_names(path).get(first)
    for part in rest:
        if not isinstance(node, ast.ClassDef):
            return False
        node = next(
            (n for n in node.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == part),
            None,
        )
    return node is not None


def test_every_function_the_guide_names_exists():
    pointers = re.findall(r"`([\w/]+\.py):([\w.]+)`", GUIDE)
    assert len(pointers) > 20  # the guide points at real code; if this drops, the regex broke
    missing = [
        f"{path}:{name}" for path, name in pointers if not (ROOT / path).is_file() or not resolves(ROOT / path, name)
    ]
    assert missing == [], "CONTRIBUTING.md names code that is not there"


def test_every_file_and_folder_the_guide_names_exists():
    paths = set(re.findall(r"`((?:config|visits|interpreters|tests|bench|templates|static)/[\w/.<>-]*)", GUIDE))
    concrete = [p for p in paths if "<" not in p]
    assert len(concrete) > 20
    missing = sorted(p for p in concrete if not (ROOT / p.rstrip("/")).exists())
    assert missing == [], "CONTRIBUTING.md names paths that are not there"


def test_the_guide_names_no_work_still_to_come():
    assert "to come" not in GUIDE and "until it lands" not in GUIDE
