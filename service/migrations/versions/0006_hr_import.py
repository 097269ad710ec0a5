"""HR import: HR records per personnel number, import runs, the column mapping, pending uploads;
the manager and coach coordinator roles; a registration's personnel number parameter

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

OLD_ROLES = ("employee", "course_admin", "org_admin", "hr", "coach", "accreditation")
NEW_ROLES = ("employee", "course_admin", "org_admin", "hr", "manager", "coach", "coach_coordinator", "accreditation")


def _roles(values):
    return sa.Enum(*values, name="tool_role", native_enum=False, create_constraint=True)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hr_column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_hr_column_mappings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_hr_column_mappings_updated_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_column_mappings')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_hr_column_mappings_organisation_id'))
    )
    op.create_table('hr_import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'applied', 'dry_run', 'refused', name='hr_import_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('ended', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_hr_import_runs_actor_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_hr_import_runs_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_import_runs'))
    )
    with op.batch_alter_table('hr_import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_import_runs_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('hr_pending_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_hr_pending_imports_actor_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_hr_pending_imports_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_pending_imports')),
    sa.UniqueConstraint('token', name=op.f('uq_hr_pending_imports_token'))
    )
    with op.batch_alter_table('hr_pending_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_pending_imports_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('hr_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('personnel_number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('function_code', sa.String(length=64), nullable=True),
    sa.Column('function_name', sa.String(length=200), nullable=True),
    sa.Column('function_profile_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('manager_number', sa.String(length=64), nullable=True),
    sa.Column('employed_from', sa.Date(), nullable=True),
    sa.Column('employed_until', sa.Date(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_reason', sa.String(length=32), nullable=True),
    sa.Column('first_import_id', sa.Integer(), nullable=True),
    sa.Column('last_import_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['first_import_id'], ['hr_import_runs.id'], name=op.f('fk_hr_records_first_import_id_hr_import_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_hr_records_function_profile_id_function_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_import_id'], ['hr_import_runs.id'], name=op.f('fk_hr_records_last_import_id_hr_import_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_hr_records_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_hr_records_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_hr_records_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_hr_records_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_records')),
    sa.UniqueConstraint('organisation_id', 'personnel_number', name=op.f('uq_hr_records_organisation_id_personnel_number')),
    sa.UniqueConstraint('person_id', name=op.f('uq_hr_records_person_id'))
    )
    with op.batch_alter_table('hr_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hr_records_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_hr_records_left_at'), ['left_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hr_records_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hr_records_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_hr_records_organisation_id_manager_number', ['organisation_id', 'manager_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_hr_records_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personnel_number_parameter', sa.String(length=64), nullable=False,
                                      server_default="digitoets_personnel_number"))

    with op.batch_alter_table('person_roles', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_roles(OLD_ROLES), type_=_roles(NEW_ROLES), existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('person_roles', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_roles(NEW_ROLES), type_=_roles(OLD_ROLES), existing_nullable=False)

    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.drop_column('personnel_number_parameter')

    with op.batch_alter_table('hr_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hr_records_team_id'))
        batch_op.drop_index('ix_hr_records_organisation_id_manager_number')
        batch_op.drop_index(batch_op.f('ix_hr_records_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_hr_records_location_id'))
        batch_op.drop_index(batch_op.f('ix_hr_records_left_at'))
        batch_op.drop_index(batch_op.f('ix_hr_records_email'))

    op.drop_table('hr_records')
    with op.batch_alter_table('hr_pending_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hr_pending_imports_organisation_id'))

    op.drop_table('hr_pending_imports')
    with op.batch_alter_table('hr_import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hr_import_runs_organisation_id'))

    op.drop_table('hr_import_runs')
    op.drop_table('hr_column_mappings')
