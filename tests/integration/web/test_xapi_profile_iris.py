"""Every IRI our xAPI Profile mints resolves under the base URL, to its own definition."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from xapi.vocabulary import ACTIVITY_TYPES, EXTENSIONS, Vocabulary, profile_document

JSON_LD = "application/ld+json"


def _minted_iris(profile):
    """The profile, its versions, and every concept, template and pattern: all the IRIs we mint."""
    yield profile["id"]
    yield from (version["id"] for version in profile["versions"])
    for key in ("concepts", "templates", "patterns"):
        yield from (component["id"] for component in profile[key])


def _path(iri, base_url):
    assert iri.startswith(base_url + "/xapi/"), iri
    return urlsplit(iri).path


def test_every_minted_iri_resolves_to_its_definition(client, settings):
    profile = profile_document(settings.base_url)
    components = {c["id"]: c for key in ("concepts", "templates", "patterns") for c in profile[key]}
    iris = list(_minted_iris(profile))
    vocab = Vocabulary(settings.base_url)
    # the walk covers every activity type and extension the statements use
    assert {vocab.activity_type(n) for n in ACTIVITY_TYPES} | {vocab.extension(n) for n in EXTENSIONS} <= set(iris)
    for iri in iris:
        response = client.get(_path(iri, settings.base_url), headers={"Accept": JSON_LD})
        assert response.status_code == 200, iri
        assert response.mimetype == JSON_LD
        body = response.get_json()
        assert body["@context"] == "https://w3id.org/xapi/profiles/context"
        if iri in components:
            assert {k: v for k, v in body.items() if k != "@context"} == components[iri]
        else:
            assert body == profile  # the profile and its version IRIs give the whole profile


def test_the_version_in_every_statement_resolves_to_the_profile(client, settings):
    version = Vocabulary(settings.base_url).profile_version
    assert urlsplit(version).path == "/xapi/profile/v1.0"
    response = client.get("/xapi/profile/v1.0")
    assert response.status_code == 200
    assert version in [v["id"] for v in response.get_json()["versions"]]


@pytest.mark.parametrize("path", ["/xapi/extensions/no-such-thing", "/xapi/profile/v0.9",
                                  "/xapi/activity-types/", "/xapi/tests/ecd"])
def test_iris_the_profile_does_not_define_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_browser_gets_a_readable_page_and_a_profile_tool_gets_json_ld(client, settings):
    iri = Vocabulary(settings.base_url).extension("demonstrated-level")
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get(urlsplit(iri).path, headers=browser)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "aangetoond niveau" in page.get_data(as_text=True) and iri in page.get_data(as_text=True)
    assert client.get(urlsplit(iri).path).mimetype == JSON_LD  # no preference: JSON-LD
