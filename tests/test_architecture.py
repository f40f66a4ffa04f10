"""The layering in DESIGN.md and docs/architecture.md, checked by reading every import
statement and every URL name in the source and templates (no code runs).

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


# --- inside an app: one folder per feature ------------------------------------------------------

LAYER_PREFIXES = ("api_", "views_", "services_", "selectors_", "forms_", "filters_")
# Packages inside an app that are not features: Django's own, and the demo data tool.
NOT_FEATURES = {"migrations", "management", "templatetags", "templates", "demo", "static", "models"}
# A feature's public face to other features.
PUBLIC = {"selectors", "services"}
# The desk's frame (staff_required, the shared pages, API permissions): every feature uses it
# and it uses none.
FRAMES = {"casework.desk"}


def feature_packages(app: str) -> list[str]:
    return sorted(
        f"{app}.{path.name}"
        for path in (ROOT / app).iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in NOT_FEATURES
    )


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def feature_of(module: str, features: list[str]) -> str | None:
    return next((f for f in features if module == f or module.startswith(f + ".")), None)


def cross_feature_violations(app: str) -> list[str]:
    """A module of one feature that imports another feature other than through its selectors
    or services (a frame excepted); a frame that imports a feature."""
    features = feature_packages(app)
    found = []
    for path in python_files(app):
        own = feature_of(module_name(path), features)
        if own is None:
            continue  # app-level wiring (urls, admin, receivers, commands) may use any feature
        for module in sorted(imported_modules(path)):
            other = feature_of(module, features)
            if other is None or other == own or module == other:
                continue  # "from casework.queue import x" is checked as casework.queue.x
            if own in FRAMES:
                found.append(f"{path.relative_to(ROOT)} (a frame) imports {module}")
                continue
            if other in FRAMES:
                continue
            rest = module[len(other) + 1 :].split(".")
            if not rest[0] or rest[0] not in PUBLIC:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_features_use_each_other_only_through_selectors_and_services(app):
    assert cross_feature_violations(app) == []


def test_the_apps_have_feature_folders():
    assert {"casework.queue", "casework.letters", "casework.desk", "casework.reports"} <= set(
        feature_packages("casework")
    )
    assert {"enquiries.intake", "enquiries.portal"} <= set(feature_packages("enquiries"))


@pytest.mark.parametrize("app", APPS)
def test_no_module_at_an_apps_root_carries_a_layer_prefix(app):
    prefixed = [p.name for p in (ROOT / app).glob("*.py") if p.name.startswith(LAYER_PREFIXES)]
    assert prefixed == []


def test_the_cross_feature_checker_sees_a_reach_past_selectors(tmp_path, monkeypatch):
    for feature in ("letters", "queue", "desk"):
        (tmp_path / "casework" / feature).mkdir(parents=True)
        (tmp_path / "casework" / feature / "__init__.py").write_text("")
    (tmp_path / "casework" / "letters" / "views.py").write_text(
        "from casework.queue import selectors\nfrom casework.queue.forms import AssignForm\n"
        "from casework.queue import views\nfrom casework.desk.views import staff_required\n"
    )
    (tmp_path / "casework" / "desk" / "api.py").write_text("from casework.queue import services\n")
    (tmp_path / "casework" / "views_extra.py").write_text("")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert cross_feature_violations("casework") == [
        "casework/desk/api.py (a frame) imports casework.queue.services",
        "casework/letters/views.py imports casework.queue.forms",
        "casework/letters/views.py imports casework.queue.forms.AssignForm",
        "casework/letters/views.py imports casework.queue.views",
    ]
    assert [p.name for p in (tmp_path / "casework").glob("views_*.py")] == ["views_extra.py"]


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


def test_only_the_desk_renderer_imports_weasyprint():
    """Every PDF goes through ``casework.desk.pdf`` and its pool (limits, fetcher, recycling):
    no other module may render with WeasyPrint directly."""
    renderer = ROOT / "casework" / "desk" / "pdf.py"
    direct = [
        str(path.relative_to(ROOT))
        for package in (*APPS, "config")
        for path in python_files(package)
        if path != renderer
        and any(m == "weasyprint" or m.startswith("weasyprint.") for m in imported_modules(path))
    ]
    assert direct == []
