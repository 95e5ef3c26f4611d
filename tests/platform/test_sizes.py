"""scripts/sizes.py: module and function sizes of the application code, and the limits it enforces."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("sizes", ROOT / "scripts" / "sizes.py")
sizes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sizes)


def _tree(tmp_path, files: dict) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_long_module_and_a_long_function_are_reported_with_their_place(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    root = _tree(tmp_path, {"domain/big.py": "x = 1\n" * 401, "domain/fn.py": f"def long():\n{body}\n",
                            "domain/ok.py": "def short():\n    return 1\n"})
    found = sizes.problems(sizes.measure(root))
    assert found == ["domain/big.py: module of 401 lines (limit 400)",
                     "domain/fn.py:1: function long of 61 lines (limit 60)"]


def test_migrations_and_tests_are_left_out(tmp_path):
    root = _tree(tmp_path, {"migrations/versions/m.py": "x = 1\n" * 500, "tests/test_x.py": "x = 1\n" * 500})
    assert sizes.application_files(root) == []


def test_the_application_keeps_within_the_limits():
    """CI runs the size check through `make test`: no module over 400 lines, no function over 60."""
    assert sizes.problems(sizes.measure()) == []
