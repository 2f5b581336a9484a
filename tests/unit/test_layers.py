"""Import rules between layers, checked on the source with `ast`.

Inner layers (protocol code, storage, jobs) know nothing of the services that use
them or of the faces (federation, web, app) that expose them; services reach the
network only through the Resolver protocol in fedi/services/state.py and the
store only through fedi.storage.interfaces.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import fedi

ROOT = Path(fedi.__file__).resolve().parent
FACES = ("fedi.federation", "fedi.api", "fedi.web", "fedi.app")

RULES = {
    # package: forbidden import prefixes
    "fedi.activitypub": ("fedi.services", *FACES),
    "fedi.storage": ("fedi.services", *FACES),
    "fedi.jobs": ("fedi.services", *FACES),
    "fedi.services": (*FACES, "fedi.storage.sqlite"),
    # The HTTP edge is shared by the faces and knows nothing of what lies behind them.
    "fedi.edge": ("fedi.services", "fedi.storage", "fedi.jobs", *FACES),
    # Faces reach storage only through services (see also test_faces_never_reach_the_store).
    "fedi.api": ("fedi.storage",),
    "fedi.web": ("fedi.storage",),
    "fedi.federation": ("fedi.storage",),
}


def module_name(path: Path, root: Path | None = None) -> str:
    parts = list(path.relative_to((root or ROOT).parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path | None = None) -> list[tuple[int, str]]:
    """Every module an import statement in `path` names, relative imports resolved.

    `from a import b` yields both `a` and `a.b` (b may be a submodule).
    Imports inside functions and `if TYPE_CHECKING:` blocks count too.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
    # Dynamic imports: importlib.import_module("fedi.x") / __import__("fedi.x").
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    folder = ROOT.parent.joinpath(*package.split("."))
    out = []
    for path in sorted(folder.rglob("*.py")):
        for lineno, module in imported_modules(path):
            for prefix in forbidden:
                if matches(module, prefix):
                    out.append(f"{path.relative_to(ROOT.parent)}:{lineno} imports {module}")
    return sorted(set(out))


def test_every_layer_exists():
    for package in RULES:
        folder = ROOT.parent.joinpath(*package.split("."))
        assert folder.is_dir() and list(folder.rglob("*.py")), package


@pytest.mark.parametrize("package", sorted(RULES))
def test_layer_imports(package):
    bad = violations(package, RULES[package])
    assert not bad, "layer rule broken:\n" + "\n".join(bad)


def test_services_define_their_own_resolver_protocol():
    """Services name the network edge through a Protocol, not the federation client."""
    tree = ast.parse((ROOT / "services" / "state.py").read_text(encoding="utf-8"))
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    assert "Resolver" in classes
    bases = [ast.unparse(b) for b in classes["Resolver"].bases]
    assert any(b.endswith("Protocol") for b in bases)


def test_the_checker_sees_violations(tmp_path):
    """The rule checker itself: relative, nested and `from x import y` forms are caught."""
    pkg = tmp_path / "fedi"
    (pkg / "storage" / "deep").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "storage" / "__init__.py").write_text("")
    (pkg / "storage" / "deep" / "__init__.py").write_text("")
    (pkg / "storage" / "a.py").write_text("from .. import web\n")
    (pkg / "storage" / "b.py").write_text("def f():\n    from fedi.federation.client import X\n")
    (pkg / "storage" / "deep" / "c.py").write_text("from ...services import state\n")
    (pkg / "storage" / "d.py").write_text("import fedi.app as app\n")
    (pkg / "storage" / "e.py").write_text("from fedi import services\n")
    (pkg / "storage" / "ok.py").write_text("from fedi.models import Account\nfrom . import a\nimport fedi.webhooks\n")
    global ROOT
    saved, ROOT = ROOT, pkg
    try:
        bad = violations("fedi.storage", RULES["fedi.storage"])
    finally:
        ROOT = saved
    files = sorted({b.split(":")[0] for b in bad})
    assert files == ["fedi/storage/a.py", "fedi/storage/b.py", "fedi/storage/d.py",
                     "fedi/storage/deep/c.py", "fedi/storage/e.py"], bad


# Reading a request body anywhere but fedi/edge/bodies.py would bypass its size and time
# limits and its handling of malformed input.
BODY_READS = ("post", "json", "read", "text", "multipart", "content")


def body_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in BODY_READS:
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("request", "req"):
                found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} request.{node.attr}")
    return found


def test_request_bodies_are_read_only_through_the_edge():
    bad = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).parts[0] != "edge":
            bad += body_reads(path)
    assert not bad, "request body read outside fedi/edge/bodies.py:\n" + "\n".join(bad)


def test_the_body_read_check_sees_reads(tmp_path):
    sample = tmp_path / "fedi" / "api" / "x.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("async def h(request):\n    a = await request.post()\n    b = request.content\n"
                      "    c = request.query\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "fedi"
    try:
        assert sorted(line.split(" ")[-1] for line in body_reads(sample)) == ["request.content", "request.post"]
    finally:
        ROOT = saved


# Import cycles, counting imports inside functions and under `if TYPE_CHECKING:`: a module
# that needs another only at call time, or only for a type, still depends on it.

def module_graph(root: Path) -> dict[str, set[str]]:
    files = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    graph = {}
    for name, path in files.items():
        found = {module for _, module in imported_modules(path, root)}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    found = cycles(module_graph(ROOT))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_cycle_check_sees_cycles(tmp_path):
    pkg = tmp_path / "fedi"
    (pkg / "services").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "services" / "__init__.py").write_text("")
    (pkg / "services" / "a.py").write_text("from fedi.services import b\n")
    (pkg / "services" / "b.py").write_text("def f():\n    from fedi.services.c import x\n")
    (pkg / "services" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                           "    from fedi.services.a import y\n")
    (pkg / "services" / "d.py").write_text("from fedi.services import a\n")
    assert cycles(module_graph(pkg)) == [["fedi.services.a", "fedi.services.b", "fedi.services.c"]]


# Faces reach storage only through services: not `state.store`, not `request.app[STATE].store`,
# not a store handed around under another name (`x.store.accounts`), and not the storage package.
STORE_ACCESS = re.compile(r"state\.store\b|\]\.store\b|\.store\.[a-z_]+")


def store_accesses(root=ROOT) -> dict[str, list[str]]:
    found = {}
    for face in ("api", "web", "federation"):
        for path in sorted((root / face).rglob("*.py")):
            lines = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                     if STORE_ACCESS.search(line)]
            if lines:
                found[str(path.relative_to(root.parent))] = lines
    return found


def test_faces_never_reach_the_store():
    found = store_accesses()
    assert not found, "faces reaching the store directly; go through a service:\n" + "\n".join(
        f"{p}:{line}" for p, lines in found.items() for line in lines)


def test_the_store_access_check_sees_every_spelling(tmp_path):
    pkg = tmp_path / "fedi"
    for face in ("api", "web", "federation"):
        (pkg / face).mkdir(parents=True)
    (pkg / "api" / "a.py").write_text("x = await state.store.accounts.get(i)\n")
    (pkg / "web" / "b.py").write_text("store = request.app[STATE].store\n")
    (pkg / "federation" / "c.py").write_text("await self.store.hosts.get(h)\nremote_actors.store(state, doc)\n")
    assert sorted(store_accesses(pkg)) == ["fedi/api/a.py", "fedi/federation/c.py", "fedi/web/b.py"]
    assert len(store_accesses(pkg)["fedi/federation/c.py"]) == 1


# Faces do not import each other, except the web reusing the client API's batched entity
# renderer (one Mastodon shape for both). Browsers opening an ActivityPub URL get the web's
# page through fedi.appkeys.BROWSER_PAGES, which the web face provides.
CROSS_FACE_ALLOWED = {
    ("fedi.web", "fedi.api.entities"), ("fedi.web", "fedi.api.entities_status"),
    ("fedi.web", "fedi.api.entities_notification"), ("fedi.web", "fedi.api.entities_instance"),
}
FACE_PACKAGES = ("fedi.api", "fedi.web", "fedi.federation")


def cross_face_imports() -> list[str]:
    bad = []
    for face in FACE_PACKAGES:
        for path in sorted(ROOT.parent.joinpath(*face.split(".")).rglob("*.py")):
            name = module_name(path)
            for lineno, module in imported_modules(path):
                other = next((f for f in FACE_PACKAGES if matches(module, f)), None)
                if other is None or other == face:
                    continue
                if any(matches(name, a) and matches(module, b) for a, b in CROSS_FACE_ALLOWED):
                    continue
                if module == other:
                    continue  # `from fedi.api import x` also names the package; x is checked
                bad.append(f"{path.relative_to(ROOT.parent)}:{lineno} imports {module}")
    return sorted(set(bad))


def test_faces_do_not_import_each_other():
    bad = cross_face_imports()
    assert not bad, "one face importing another:\n" + "\n".join(bad)
