"""Vocabulary IRIs and the xAPI Profile document (shape, and coverage of what builders send)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.support.xapi_samples import BASE_URL, every_statement
from xapi.statements import StatementBuilder
from xapi.vocabulary import (ACTIVITY_TYPES, EXTENSIONS, PROFILE_PLACEHOLDER_BASE, Vocabulary,
                             VocabularyError, profile_document)

LANGUAGES = {"nl", "en"}
CONCEPT_TYPES = {"ActivityType": "activity-types", "ContextExtension": "extensions",
                 "ResultExtension": "extensions"}


@pytest.fixture(scope="module")
def profile():
    return profile_document(BASE_URL)


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)


def _iris_used(statement):
    """Verb, activity types and extension keys: the IRIs a profile has to account for."""
    found = {statement["verb"]["id"]}
    for node in _walk(statement):
        definition = node.get("definition")
        if isinstance(definition, dict) and "type" in definition:
            found.add(definition["type"])
        for key in ("extensions",):
            if isinstance(node.get(key), dict):
                found.update(node[key])
    return found


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def test_base_url_is_normalised():
    assert Vocabulary("https://digitoets.zorg.example/ ").base_url == BASE_URL


@pytest.mark.parametrize("base", ["digitoets.zorg.example", "ftp://x.example", "https://",
                                  "https://x.example/?a=1", "https://x.example/#top"])
def test_bad_base_url_is_refused(base):
    with pytest.raises(VocabularyError):
        Vocabulary(base)


def test_codes_are_percent_encoded_into_valid_iris():
    vocab = Vocabulary(BASE_URL)
    assert vocab.skill("ECD 01/ä") == f"{BASE_URL}/xapi/skills/ECD%2001%2F%C3%A4"
    with pytest.raises(VocabularyError):
        vocab.skill("")


def test_minted_iris_live_under_the_base():
    vocab = Vocabulary(BASE_URL)
    assert vocab.activity_type("help-request") == f"{BASE_URL}/xapi/activity-types/help-request"
    assert vocab.extension("required-level") == f"{BASE_URL}/xapi/extensions/required-level"
    with pytest.raises(VocabularyError):
        vocab.extension("score")


def test_profile_file_uses_only_the_placeholder_base_and_registered_hosts():
    registered = {"w3id.org", "adlnet.gov", "id.tincanapi.com", "activitystrea.ms"}
    hosts = {urlsplit(s).hostname for s in _strings(profile_document()) if s.startswith("http")}
    assert hosts == registered | {urlsplit(PROFILE_PLACEHOLDER_BASE).hostname}


def test_profile_is_rendered_with_the_real_base(profile):
    assert profile["id"] == f"{BASE_URL}/xapi/profile"
    assert not any(PROFILE_PLACEHOLDER_BASE in s for s in _strings(profile))


def test_profile_has_the_profile_shape(profile):
    assert profile["@context"] == "https://w3id.org/xapi/profiles/context"
    assert profile["type"] == "Profile"
    assert profile["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert set(profile["prefLabel"]) == set(profile["definition"]) == LANGUAGES
    assert profile["author"]["type"] in ("Organization", "Person") and profile["author"]["name"]
    versions = [version["id"] for version in profile["versions"]]
    assert versions[0] == Vocabulary(BASE_URL).profile_version
    assert all(re.match(r"^\d{4}-\d\d-\d\dT", v["generatedAtTime"]) for v in profile["versions"])


def test_every_component_is_labelled_in_dutch_and_english_and_in_scheme(profile):
    components = profile["concepts"] + profile["templates"] + profile["patterns"]
    ids = [component["id"] for component in components]
    assert len(ids) == len(set(ids))
    versions = {version["id"] for version in profile["versions"]}
    for component in components:
        assert set(component["prefLabel"]) == set(component["definition"]) == LANGUAGES, \
            component["id"]
        assert component["inScheme"] in versions


def test_concepts_cover_every_minted_type_and_extension(profile):
    vocab = Vocabulary(BASE_URL)
    concepts = {concept["id"]: concept for concept in profile["concepts"]}
    for name in ACTIVITY_TYPES:
        assert concepts[vocab.activity_type(name)]["type"] == "ActivityType"
    for name, where in EXTENSIONS.items():
        concept = concepts[vocab.extension(name)]
        assert concept["type"] == f"{where.capitalize()}Extension"
        json.loads(concept["inlineSchema"])
    assert set(concepts) == {vocab.activity_type(n) for n in ACTIVITY_TYPES} | {
        vocab.extension(n) for n in EXTENSIONS}


def test_patterns_and_templates_reference_each_other_consistently(profile):
    templates = {template["id"] for template in profile["templates"]}
    patterns = {pattern["id"]: pattern for pattern in profile["patterns"]}
    for pattern in patterns.values():
        members = []
        for key in ("sequence", "alternates"):
            members += pattern.get(key, [])
        for key in ("optional", "zeroOrMore", "oneOrMore"):
            if key in pattern:
                members.append(pattern[key])
        assert members and all(m in templates or m in patterns for m in members), pattern["id"]
    assert [p["id"] for p in patterns.values() if p.get("primary")] == [
        f"{BASE_URL}/xapi/profile/patterns/{name}"
        for name in ("attempt", "help-request", "coaching-session", "certificate", "correction")]
    for pattern in patterns.values():  # the spec's shape rules
        kinds = [k for k in ("sequence", "alternates", "optional", "zeroOrMore", "oneOrMore") if k in pattern]
        assert len(kinds) == 1, pattern["id"]
        assert len(pattern.get("sequence", pattern.get("alternates", [1, 2]))) >= 2, pattern["id"]


def test_there_is_a_template_per_event_verb(profile):
    builder = StatementBuilder(BASE_URL)
    verbs = {template["verb"] for template in profile["templates"]}
    assert verbs == {statement["verb"]["id"] for statement in every_statement(builder).values()}


def test_profile_accounts_for_every_iri_the_builders_use(profile):
    known = set(_strings(profile))
    known_text = "\n".join(known)
    for name, statement in every_statement(StatementBuilder(BASE_URL)).items():
        for iri in _iris_used(statement):
            assert iri in known or f"['{iri}']" in known_text, (name, iri)
