"""Two workers and one organisation's HR figures: one computes them, the other skips it (PostgreSQL).

A module of its own: it needs real commits from several connections, and the other modules of
this directory keep one long transaction open per module (tests/integration/hr/conftest.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service import models as m
from service.jobs import hr_dashboard as job
from service.operations import hr_dashboard_cache as cache
from tests.support.compliance_org import NOW


@pytest.mark.postgres
def test_while_one_worker_computes_an_organisations_figures_another_skips_it(committed_database):
    with committed_database.begin() as session:
        organisation = m.Organisation(slug="zorg-twee-workers", name="Zorg met twee workers")
        session.add(organisation)
        session.flush()
        org_id = organisation.id

    def stored() -> int:
        with committed_database.begin() as session:
            return session.scalar(select(func.count()).select_from(m.HrDashboardFigures)
                                  .where(m.HrDashboardFigures.organisation_id == org_id))

    with committed_database.begin() as computing:  # the other worker, in the middle of its computation
        assert cache.claim(computing, computing.get(m.Organisation, org_id))
        assert not job.refresh_if_due(committed_database, org_id, NOW, timedelta(minutes=10))
        assert stored() == 0
    assert job.refresh_if_due(committed_database, org_id, NOW, timedelta(minutes=10))  # its lock is gone
    assert stored() > 0
