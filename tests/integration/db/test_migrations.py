"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from service.db import Base, make_engine
from service.migrate import downgrade, upgrade


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


def test_downgrade_to_base_and_upgrade_again(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(empty_database_url, engine=engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(empty_database_url, "base", engine=engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database_url, engine=engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
