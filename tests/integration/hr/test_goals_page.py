"""/hr/doelen: targets (audit-logged), the trend line per level from the monthly snapshots, progress per skill."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from service import models as m
from tests.integration.hr.conftest import signed_in
from tests.integration.hr.test_exports import audit_rows


def snapshots(database, hr_org, rows):
    """Monthly snapshots as the job stores them: (month, level, key, headcount, all met)."""
    with database.begin() as session:
        runs = {}
        for month, level, key, n, met in rows:
            if month not in runs:
                runs[month] = m.ComplianceSnapshotRun(organisation_id=hr_org.organisation.id, month=month)
                session.add(runs[month])
                session.flush()
            session.add(m.ComplianceSnapshot(run_id=runs[month].id, organisation_id=hr_org.organisation.id,
                                             month=month, level=level, group_key=key, headcount=n, all_met=met,
                                             statuses={}))


def test_trend_line_and_its_table_per_level(database, client, hr_org):
    zon = f"l{hr_org.locations['L1']}.t{hr_org.teams['T1']}"
    snapshots(database, hr_org, [
        (date(2026, 8, 1), "organisation", "", 20, 5), (date(2026, 9, 1), "organisation", "", 20, 8),
        (date(2026, 10, 1), "organisation", "", 18, 9),
        (date(2026, 9, 1), "team", zon, 6, 1), (date(2026, 10, 1), "team", zon, 6, 3)])
    browser = signed_in(client, hr_org.hr)
    page = browser.get("/hr/doelen").get_data(as_text=True)
    table = page.split('id="trend"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([\d-]+)</th><td>(\d+)</td><td>([\d.]+)%</td>', table) == [
        ("08-2026", "20", "25.0"), ("09-2026", "20", "40.0"), ("10-2026", "18", "50.0")]
    points = re.search(r'<polyline points="([^"]+)"', page).group(1).split()
    assert len(points) == 3
    heights = [float(p.split(",")[1]) for p in points]
    assert heights[0] > heights[1] > heights[2]  # rising % is drawn going up
    page = browser.get(f"/hr/doelen?niveau=team&groep={zon}").get_data(as_text=True)
    assert "Den Haag / Afdeling Zon" in page
    assert "<td>6</td><td>50.0%</td>" in page
    page = browser.get("/hr/doelen?niveau=team&groep=l999.t999").get_data(as_text=True)
    assert "Den Haag / Afdeling Zon" in page  # an unknown group falls back to the first known one


def test_hr_sets_a_target_which_shows_as_a_line_and_is_logged(database, client, hr_org):
    snapshots(database, hr_org, [(date(2026, 9, 1), "organisation", "", 20, 8),
                                 (date(2026, 10, 1), "organisation", "", 20, 12)])
    browser = signed_in(client, hr_org.hr)
    browser.get("/hr/doelen")
    bad = browser.post("/hr/doelen", data={"name": "", "percent": "180", "due_on": "morgen", "level": "organisation"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Geef het doel een naam" in text and "Vul een percentage van 1 tot en met 100 in" in text
    with database.begin() as session:
        assert session.scalar(select(m.ComplianceTarget.id)) is None
    done = browser.post("/hr/doelen", data={"name": "80% voldoet aan het basisniveau", "percent": "80",
                                            "due_on": "2027-03-01", "level": "organisation"})
    assert done.status_code == 302
    page = browser.get("/hr/doelen").get_data(as_text=True)
    assert re.search(r"80% voldoet aan het basisniveau</th><td>80%</td><td>01-03-2027</td><td>60.0%</td>", page)
    assert page.count('stroke-dasharray="6 4"') == 1  # the target's line in the chart
    assert len(audit_rows(database, "hr.target.set")) == 1


def test_goals_are_for_hr_only(client, hr_org):
    assert signed_in(client, hr_org.people["manager"]).get("/hr/doelen").status_code == 403
    assert signed_in(client, hr_org.employee).get("/hr/doelen").status_code == 403
