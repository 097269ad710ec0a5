"""Launches and refusals are counted in /metrics by outcome (for the 'launch refusals spiking' alert)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.lti.conftest import launch

ECD = {"test": "ecd-rapportage"}


def launches_by_outcome(client) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {sample.labels["outcome"]: sample.value for family in text_string_to_metric_families(text)
            for sample in family.samples if sample.name == "digitoets_lti_launches_total"}


def test_a_good_launch_counts_as_ok_and_an_expired_token_by_its_reason(client, lms, registered):
    before = launches_by_outcome(client)
    assert launch(client, lms, custom=ECD).response.status_code == 302
    refused = launch(client, lms, tamper="expired", custom=ECD).response
    assert refused.status_code == 400
    after = launches_by_outcome(client)
    assert after["ok"] == before.get("ok", 0) + 1
    [reason] = [k for k in after if k != "ok" and after[k] == before.get(k, 0) + 1]
    assert "expired" in reason
