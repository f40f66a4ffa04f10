"""The layering in DESIGN.md, checked by reading every import statement and every URL
name in the source and templates (no code runs).

knowledgebase <- enquiries <- casework ("is imported by"); config holds settings
and the root URLconf, which names app URLconfs by string only.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("knowledgebase", "enquiries", "casework")

# What each package must never import.
FORBIDDEN = {
    "knowledgebase": {"enquiries", "casework"},
    "enquiries": {"casework"},
    "casework": set(),
    "config": set(APPS),
}


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every absolute module an import statement in ``path`` names, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)
        elif (  # import_module("casework.x") / __import__("casework") dodge the rules too
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules.add(node.args[0].value)
    return modules


def violations(package: str) -> list[str]:
    found = []
    for path in python_files(package):
        if package == "config" and path.name == "urls.py":
            continue  # the root URLconf includes app URLconfs (by string, checked below)
        for module in sorted(imported_modules(path)):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("package", [*APPS, "config"])
def test_imports_follow_the_layers(package):
    assert python_files(package), f"no Python files found in {package}/"
    assert violations(package) == []


def test_the_root_urlconf_includes_the_app_urlconfs_by_string():
    tree = ast.parse((ROOT / "config" / "urls.py").read_text(encoding="utf-8"))
    included = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "include"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert {"enquiries.urls", "casework.urls"} <= included


def test_the_checker_sees_imports_at_any_depth_and_relative_ones(tmp_path, monkeypatch):
    package = tmp_path / "enquiries"
    package.mkdir()
    (package / "a.py").write_text(
        "def f():\n    from casework import services\n\nfrom .models import X\n"
        "import importlib\nimportlib.import_module('casework.routing')\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imported_modules(package / "a.py") >= {"casework", "enquiries.models"}
    assert violations("enquiries") == [
        "enquiries/a.py imports casework",
        "enquiries/a.py imports casework.routing",
        "enquiries/a.py imports casework.services",
    ]


# URL namespaces of the apps above each package: naming one (``reverse("casework:x")``,
# ``{% url 'casework:x' %}``) depends on that app as surely as an import, unseen by the
# import scan. The project wires such links in through settings instead.
UPWARD_URL_NAMESPACES = {
    "knowledgebase": ("enquiries:", "casework:"),
    "enquiries": ("casework:",),
}


def upward_url_names(package: str) -> list[str]:
    """Every line of ``package``'s source and templates that names an upper app's URL."""
    found = []
    for path in sorted((ROOT / package).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # a binary file (an image, a font)
        for number, line in enumerate(text.splitlines(), 1):
            names = [n for n in UPWARD_URL_NAMESPACES[package] if n in line]
            found += [f"{path.relative_to(ROOT)}:{number} names {n}" for n in names]
    return found


@pytest.mark.parametrize("package", list(UPWARD_URL_NAMESPACES))
def test_no_app_names_the_urls_of_an_app_above_it(package):
    assert upward_url_names(package) == []


def test_the_url_name_checker_sees_code_and_templates(tmp_path, monkeypatch):
    templates = tmp_path / "enquiries" / "templates"
    templates.mkdir(parents=True)
    (tmp_path / "enquiries" / "a.py").write_text('reverse("casework:enquiry")\n')
    (templates / "b.html").write_text("<p>{% url 'casework:queue' %}</p>\n")
    (templates / "c.html").write_text("<p>{% url 'enquiries:track' token %}</p>\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert upward_url_names("enquiries") == [
        "enquiries/a.py:1 names casework:",
        "enquiries/templates/b.html:1 names casework:",
    ]
