"""Read a content folder into a validated ``ContentBundle``.

Every problem is reported as ``file: path.inside.file: reason`` and all problems of a folder
are collected before raising, so a content owner fixes them in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from marshmallow import Schema, ValidationError

from mappings import model, schema, schema_followup
from mappings.english import english_problems
from mappings.errors import ContentError, ContentProblem

#: file name -> schema; tests/*.yaml are read one test per file.
SINGLE_FILES: dict[str, type[Schema]] = {
    "catalogue.yaml": schema.CatalogueSchema,
    "profiles.yaml": schema.ProfilesSchema,
    "resources.yaml": schema_followup.ResourcesSchema,
    "help_rules.yaml": schema_followup.HelpRulesSchema,
    "accreditation.yaml": schema_followup.AccreditationSchema,
}
TESTS_DIR = "tests"
#: The content a new organisation starts with, shipped with the code.
STARTER_CONTENT = Path(__file__).resolve().parent / "content"
KNOWN_FILES = ", ".join([*SINGLE_FILES, f"{TESTS_DIR}/<code>.yaml"])

#: The content rules of mappings/README.md that are guidance, not format: reported as warnings.
ITEMS_GUIDANCE = (8, 15)
MINUTES_GUIDANCE = (5, 10)


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested error dict into (path, reason) pairs like ``items[2].options``."""
    if isinstance(messages, dict):
        pairs = []
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            pairs.extend(_flatten(value, path))
        return pairs
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(prefix or "(top)", m) for m in messages]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, prefix)]
    return [(prefix or "(top)", str(messages))]


@dataclass
class _Reader:
    root: Path
    problems: list[ContentProblem]
    failed: set[str] = field(default_factory=set)

    def problem(self, file: str, path: str, reason: str) -> None:
        self.problems.append(ContentProblem(file, path, reason))
        self.failed.add(file)

    def read(self, file: Path, loader: type[Schema]) -> Any | None:
        name = file.relative_to(self.root).as_posix()
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top)"
            self.problem(name, where, f"malformed YAML: {getattr(exc, 'problem', None) or exc}")
            return None
        except UnicodeDecodeError:
            self.problem(name, "(top)", "file is not UTF-8 text")
            return None
        if not isinstance(raw, dict):
            self.problem(name, "(top)", "the file must hold a mapping of keys, not " + type(raw).__name__)
            return None
        for path, reason in english_problems(loader, raw):
            self.problem(name, path, reason)
        try:
            loaded = loader().load(raw)
        except ValidationError as exc:
            for path, reason in _flatten(exc.messages):
                self.problem(name, path, reason)
            return None
        return None if name in self.failed else loaded


def load_folder(path: str | Path) -> model.ContentBundle:
    """Read and cross-check every content file under ``path``.

    Raises:
        ContentError: with every problem found, each naming file, path and reason.
    """
    root = Path(path)
    if not root.is_dir():
        raise ContentError([ContentProblem(str(path), "(top)", "is not a folder")])
    reader = _Reader(root, [])
    sources = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.y*ml"))
    for name in sources:
        if name not in SINGLE_FILES and not (name.startswith(f"{TESTS_DIR}/") and name.endswith(".yaml")
                                             and name.count("/") == 1):
            reader.problem(name, "(top)", f"unknown content file: the format knows {KNOWN_FILES}")
    parts: dict[str, Any] = {}
    for name, loader in SINGLE_FILES.items():
        file = root / name
        if file.exists():
            parts.update(reader.read(file, loader) or {})
    tests: list[tuple[str, model.DigiTest]] = []
    for file in sorted((root / TESTS_DIR).glob("*.yaml")) if (root / TESTS_DIR).is_dir() else []:
        test = reader.read(file, schema.TestSchema)
        if test is not None:
            tests.append((file.relative_to(root).as_posix(), test))
    bundle = model.ContentBundle(
        themes=parts.get("themes", ()),
        profiles=parts.get("profiles", ()),
        tests=tuple(t for _, t in tests),
        resources=parts.get("resources", ()),
        help_rules=parts.get("help_rules", ()),
        registries=parts.get("registries", ()),
        sources=tuple(sources),
        warnings=tuple(_guidance_warnings(tests)),
    )
    _check_references(bundle, dict(tests), reader)
    if reader.problems:
        raise ContentError(reader.problems)
    return bundle


def _guidance_warnings(tests: list[tuple[str, model.DigiTest]]) -> list[ContentProblem]:
    """Tests outside the README's guidance: 8 to 15 items, 5 to 10 minutes."""
    warnings = []
    low, high = ITEMS_GUIDANCE
    for file, test in tests:
        if not low <= len(test.items) <= high:
            warnings.append(ContentProblem(file, "items", f"has {len(test.items)} items; a test should have "
                                                          f"{low} to {high} so it is short but still measures enough"))
        if not MINUTES_GUIDANCE[0] <= test.minutes <= MINUTES_GUIDANCE[1]:
            warnings.append(ContentProblem(file, "minutes", f"is {test.minutes}; a test should take "
                                                            f"{MINUTES_GUIDANCE[0]} to {MINUTES_GUIDANCE[1]} minutes"))
    return warnings


def _check_references(bundle: model.ContentBundle, test_files: dict[str, model.DigiTest], reader: _Reader) -> None:
    """Every code a file refers to must exist in the folder."""
    skills = bundle.skills
    themes = {t.code for t in bundle.themes}
    profiles = {p.code for p in bundle.profiles}

    # A file that did not load would make every reference to it look unknown: skip those.
    catalogue_ok = "catalogue.yaml" not in reader.failed
    profiles_ok = "profiles.yaml" not in reader.failed
    source_ok = {"skill": catalogue_ok, "theme": catalogue_ok, "function profile": profiles_ok}

    def need(kind: str, code: str | None, known: set[str] | dict, file: str, path: str) -> None:
        if code is not None and source_ok[kind] and code not in known:
            reader.problem(file, path, f"unknown {kind} '{code}'")

    for p_index, profile in enumerate(bundle.profiles):
        for r_index, req in enumerate(profile.requirements):
            where = f"profiles[{p_index}].requirements[{r_index}]"
            need("skill", req.skill, skills, "profiles.yaml", where + ".skill")
            need("theme", req.theme, themes, "profiles.yaml", where + ".theme")
    seen_hr: dict[str, str] = {}
    for p_index, profile in enumerate(bundle.profiles):
        for h_index, code in enumerate(profile.hr_codes):
            if code in seen_hr:
                reader.problem("profiles.yaml", f"profiles[{p_index}].hr_codes[{h_index}]",
                               f"HR code '{code}' is already used by profile '{seen_hr[code]}'")
            seen_hr[code] = profile.code
    seen_tests: dict[str, str] = {}
    for file, test in test_files.items():
        if test.code in seen_tests:
            reader.problem(file, "code", f"duplicate test code '{test.code}' (also in {seen_tests[test.code]})")
        seen_tests[test.code] = file
        for index, code in enumerate(test.profiles):
            need("function profile", code, profiles, file, f"profiles[{index}]")
        for i_index, item in enumerate(test.items):
            for s_index, link in enumerate(item.skills):
                need("skill", link.skill, skills, file, f"items[{i_index}].skills[{s_index}].skill")
    for index, resource in enumerate(bundle.resources):
        need("skill", resource.skill, skills, "resources.yaml", f"resources[{index}].skill")
    for r_index, rule in enumerate(bundle.help_rules):
        for t_index, code in enumerate(rule.themes):
            need("theme", code, themes, "help_rules.yaml", f"rules[{r_index}].themes[{t_index}]")
    for r_index, registry in enumerate(bundle.registries):
        for p_index, code in enumerate(registry.professions):
            need("function profile", code, profiles, "accreditation.yaml",
                 f"registries[{r_index}].professions[{p_index}]")
