"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accreditation_registries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('pe_online_org_id', sa.Integer(), nullable=True),
    sa.Column('number_label', sa.String(length=100), nullable=False),
    sa.Column('number_pattern', sa.String(length=200), nullable=True),
    sa.Column('professions', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accreditation_registries')),
    sa.UniqueConstraint('code', name=op.f('uq_accreditation_registries_code'))
    )
    op.create_table('content_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_releases'))
    )
    with op.batch_alter_table('content_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_releases_content_hash'), ['content_hash'], unique=False)

    op.create_table('digi_tests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('application', sa.String(length=200), nullable=False),
    sa.Column('function_level', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digi_tests')),
    sa.UniqueConstraint('code', name=op.f('uq_digi_tests_code'))
    )
    op.create_table('function_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hr_codes', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_function_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_function_profiles_code'))
    )
    op.create_table('help_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_rules')),
    sa.UniqueConstraint('code', name=op.f('uq_help_rules_code'))
    )
    op.create_table('lti_launch_states',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_states'))
    )
    with op.batch_alter_table('lti_launch_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_launch_states_expires_at'), ['expires_at'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('result_visibility', sa.Enum('employee_only', 'manager', 'hr', name='result_visibility', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('min_group_size', sa.Integer(), nullable=False),
    sa.Column('help_request_mode', sa.Enum('opt_in', 'automatic', name='help_request_mode', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('retention_months', sa.Integer(), nullable=False),
    sa.Column('store_personal_data', sa.Boolean(), nullable=False),
    sa.Column('xapi_identify_by_email', sa.Boolean(), nullable=False),
    sa.Column('lrs_endpoint', sa.String(length=500), nullable=True),
    sa.Column('lrs_username', sa.String(length=200), nullable=True),
    sa.Column('lrs_password', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_group_size >= 1', name=op.f('ck_organisations_min_group_size_positive')),
    sa.CheckConstraint('retention_months >= 1', name=op.f('ck_organisations_retention_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisations_slug'))
    )
    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('code', name=op.f('uq_themes_code'))
    )
    op.create_table('accredited_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('registry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('coaching', 'test', 'elearning', name='activity_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_accredited_activities_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registry_id'], ['accreditation_registries.id'], name=op.f('fk_accredited_activities_registry_id_accreditation_registries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accredited_activities')),
    sa.UniqueConstraint('organisation_id', 'registry_id', 'kind', name=op.f('uq_accredited_activities_organisation_id_registry_id_kind'))
    )
    op.create_table('earning_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registry_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('activity_kinds', sa.JSON(), nullable=False),
    sa.Column('min_hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('certificate', sa.Boolean(), nullable=False),
    sa.Column('period_months', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('min_hours > 0', name=op.f('ck_earning_rules_min_hours_positive')),
    sa.CheckConstraint('points > 0', name=op.f('ck_earning_rules_points_positive')),
    sa.ForeignKeyConstraint(['registry_id'], ['accreditation_registries.id'], name=op.f('fk_earning_rules_registry_id_accreditation_registries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_earning_rules')),
    sa.UniqueConstraint('registry_id', 'code', name=op.f('uq_earning_rules_registry_id_code'))
    )
    op.create_table('ingest_cursors',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ingest_cursors_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_ingest_cursors'))
    )
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_locations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('organisation_id', 'code', name=op.f('uq_locations_organisation_id_code'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('lti_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('auth_audience', sa.String(length=500), nullable=True),
    sa.Column('key_set_url', sa.String(length=500), nullable=True),
    sa.Column('key_set', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'active', 'disabled', name='registration_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('function_parameter', sa.String(length=64), nullable=False),
    sa.Column('role_parameter', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_lti_registrations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registrations')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_registrations_issuer_client_id'))
    )
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_registrations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('organisation_function_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('hr_code', sa.String(length=64), nullable=False),
    sa.Column('function_profile_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_organisation_function_codes_function_profile_id_function_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_function_codes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_function_codes')),
    sa.UniqueConstraint('organisation_id', 'hr_code', name=op.f('uq_organisation_function_codes_organisation_id_hr_code'))
    )
    op.create_table('outbox_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('xapi', 'ags_score', name='outbox_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'dead', 'conflict', name='outbox_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_outbox_items_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_items')),
    sa.UniqueConstraint('kind', 'dedupe_key', name=op.f('uq_outbox_items_kind_dedupe_key'))
    )
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_items_due', ['kind', 'status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_items_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('device', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_skills_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('code', name=op.f('uq_skills_code'))
    )
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skills_theme_id'), ['theme_id'], unique=False)

    op.create_table('test_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digi_test_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('pass_ratio', sa.Double(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pass_ratio > 0 AND pass_ratio <= 1', name=op.f('ck_test_versions_pass_ratio_range')),
    sa.ForeignKeyConstraint(['digi_test_id'], ['digi_tests.id'], name=op.f('fk_test_versions_digi_test_id_digi_tests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_versions')),
    sa.UniqueConstraint('digi_test_id', 'number', name=op.f('uq_test_versions_digi_test_id_number'))
    )
    with op.batch_alter_table('test_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_versions_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_versions_digi_test_id'), ['digi_test_id'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['test_version_id'], ['test_versions.id'], name=op.f('fk_items_test_version_id_test_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('test_version_id', 'code', name=op.f('uq_items_test_version_id_code'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_test_version_id'), ['test_version_id'], unique=False)

    op.create_table('learning_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_learning_resources_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_resources')),
    sa.UniqueConstraint('code', name=op.f('uq_learning_resources_code'))
    )
    with op.batch_alter_table('learning_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_resources_skill_id'), ['skill_id'], unique=False)

    op.create_table('lti_contexts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('memberships_url', sa.String(length=1000), nullable=True),
    sa.Column('lineitems_url', sa.String(length=1000), nullable=True),
    sa.Column('ags_scopes', sa.JSON(), nullable=False),
    sa.Column('roster_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_contexts_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_contexts')),
    sa.UniqueConstraint('registration_id', 'context_id', name=op.f('uq_lti_contexts_registration_id_context_id'))
    )
    op.create_table('lti_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['lti_registrations.id'], name=op.f('fk_lti_deployments_registration_id_lti_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployments')),
    sa.UniqueConstraint('registration_id', 'deployment_id', name=op.f('uq_lti_deployments_registration_id_deployment_id'))
    )
    op.create_table('requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('function_profile_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('min_level', sa.Integer(), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('recertify_months', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('(skill_id IS NULL) <> (theme_id IS NULL)', name=op.f('ck_requirements_skill_xor_theme')),
    sa.CheckConstraint('min_level BETWEEN 1 AND 4', name=op.f('ck_requirements_min_level_range')),
    sa.CheckConstraint('recertify_months IS NULL OR recertify_months > 0', name=op.f('ck_requirements_recertify_positive')),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_requirements_function_profile_id_function_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_requirements_skill_id_skills')),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_requirements_theme_id_themes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirements'))
    )
    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirements_function_profile_id'), ['function_profile_id'], unique=False)

    op.create_table('skill_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('descriptor', sa.Text(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_skill_levels_level_range')),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_skill_levels_skill_id_skills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_levels')),
    sa.UniqueConstraint('skill_id', 'level', name=op.f('uq_skill_levels_skill_id_level'))
    )
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_teams_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_teams_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('organisation_id', 'code', name=op.f('uq_teams_organisation_id_code'))
    )
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('test_version_profiles',
    sa.Column('test_version_id', sa.Integer(), nullable=False),
    sa.Column('function_profile_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_test_version_profiles_function_profile_id_function_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_version_id'], ['test_versions.id'], name=op.f('fk_test_version_profiles_test_version_id_test_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('test_version_id', 'function_profile_id', name=op.f('pk_test_version_profiles'))
    )
    op.create_table('item_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_item_skills_level_range')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_item_skills_weight_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_skills_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_item_skills_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_skills')),
    sa.UniqueConstraint('item_id', 'skill_id', name=op.f('uq_item_skills_item_id_skill_id'))
    )
    with op.batch_alter_table('item_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_skills_skill_id'), ['skill_id'], unique=False)

    op.create_table('lti_resource_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('digi_test_id', sa.Integer(), nullable=True),
    sa.Column('lineitem_url', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], name=op.f('fk_lti_resource_links_context_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['digi_test_id'], ['digi_tests.id'], name=op.f('fk_lti_resource_links_digi_test_id_digi_tests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_links')),
    sa.UniqueConstraint('context_id', 'resource_link_id', name=op.f('uq_lti_resource_links_context_id_resource_link_id'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('pseudonym', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_people_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_people_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('organisation_id', 'issuer', 'subject', name=op.f('uq_people_organisation_id_issuer_subject')),
    sa.UniqueConstraint('pseudonym', name=op.f('uq_people_pseudonym'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_team_id'), ['team_id'], unique=False)

    op.create_table('accreditation_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('earning_rule_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certificate_code', sa.String(length=64), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['accreditation_records.id'], name=op.f('fk_accreditation_records_corrects_id_accreditation_records')),
    sa.ForeignKeyConstraint(['earning_rule_id'], ['earning_rules.id'], name=op.f('fk_accreditation_records_earning_rule_id_earning_rules')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_accreditation_records_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accreditation_records')),
    sa.UniqueConstraint('certificate_code', name=op.f('uq_accreditation_records_certificate_code')),
    sa.UniqueConstraint('uuid', name=op.f('uq_accreditation_records_uuid'))
    )
    with op.batch_alter_table('accreditation_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accreditation_records_person_id'), ['person_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('test_version_id', sa.Integer(), nullable=False),
    sa.Column('function_profile_id', sa.Integer(), nullable=True),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('in_progress', 'submitted', 'scored', 'expired', name='attempt_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('shuffle_seed', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score_raw', sa.Double(), nullable=True),
    sa.Column('score_max', sa.Double(), nullable=True),
    sa.Column('score_scaled', sa.Double(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.CheckConstraint('score_scaled IS NULL OR (score_scaled >= 0 AND score_scaled <= 1)', name=op.f('ck_attempts_scaled_range')),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_attempts_function_profile_id_function_profiles')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_attempts_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_attempts_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], name=op.f('fk_attempts_resource_link_id_lti_resource_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['test_version_id'], ['test_versions.id'], name=op.f('fk_attempts_test_version_id_test_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('registration', name=op.f('uq_attempts_registration'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempts_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_test_version_id'), ['test_version_id'], unique=False)

    op.create_table('course_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], name=op.f('fk_course_memberships_context_id_lti_contexts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_course_memberships_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_memberships')),
    sa.UniqueConstraint('context_id', 'person_id', name=op.f('uq_course_memberships_context_id_person_id'))
    )
    with op.batch_alter_table('course_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('function_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('function_profile_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('lti', 'hr_import', 'self_chosen', name='assignment_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['function_profile_id'], ['function_profiles.id'], name=op.f('fk_function_assignments_function_profile_id_function_profiles')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_function_assignments_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_function_assignments'))
    )
    with op.batch_alter_table('function_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_function_assignments_person_id'), ['person_id'], unique=False)

    op.create_table('learning_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('coaching', 'test', 'elearning', name='activity_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_ref', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_learning_hours_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_learning_hours_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_hours')),
    sa.UniqueConstraint('source', 'source_ref', name=op.f('uq_learning_hours_source_source_ref'))
    )
    with op.batch_alter_table('learning_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_hours_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_hours_person_id'), ['person_id'], unique=False)

    op.create_table('person_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('employee', 'course_admin', 'org_admin', 'hr', 'coach', 'accreditation', name='tool_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('granted_by', sa.String(length=64), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_person_roles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_roles')),
    sa.UniqueConstraint('person_id', 'role', name=op.f('uq_person_roles_person_id_role'))
    )
    op.create_table('registration_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('registry_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_registration_numbers_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registry_id'], ['accreditation_registries.id'], name=op.f('fk_registration_numbers_registry_id_accreditation_registries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_numbers')),
    sa.UniqueConstraint('person_id', 'registry_id', name=op.f('uq_registration_numbers_person_id_registry_id'))
    )
    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('help_rule_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('new', 'claimed', 'planned', 'resolved', 'cancelled', name='help_request_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_text', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_help_requests_attempt_id_attempts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coach_id'], ['people.id'], name=op.f('fk_help_requests_coach_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['help_rule_id'], ['help_rules.id'], name=op.f('fk_help_requests_help_rule_id_help_rules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_help_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_help_requests_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_help_requests_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests')),
    sa.UniqueConstraint('uuid', name=op.f('uq_help_requests_uuid'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_status'), ['status'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_responses_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_responses_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('attempt_id', 'item_id', name=op.f('uq_responses_attempt_id_item_id'))
    )
    op.create_table('skill_observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('required_level', sa.Integer(), nullable=True),
    sa.Column('evidence_count', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name=op.f('ck_skill_observations_level_range')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_skill_observations_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_skill_observations_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_skill_observations_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_observations')),
    sa.UniqueConstraint('attempt_id', 'skill_id', name=op.f('uq_skill_observations_attempt_id_skill_id'))
    )
    with op.batch_alter_table('skill_observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_observations_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_skill_observations_skill_id'), ['skill_id'], unique=False)

    op.create_table('coaching_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('help_request_id', sa.Integer(), nullable=True),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes > 0', name=op.f('ck_coaching_sessions_duration_positive')),
    sa.ForeignKeyConstraint(['coach_id'], ['people.id'], name=op.f('fk_coaching_sessions_coach_id_people')),
    sa.ForeignKeyConstraint(['help_request_id'], ['help_requests.id'], name=op.f('fk_coaching_sessions_help_request_id_help_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_coaching_sessions_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_coaching_sessions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_sessions')),
    sa.UniqueConstraint('uuid', name=op.f('uq_coaching_sessions_uuid'))
    )
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_sessions_person_id'), ['person_id'], unique=False)

    op.create_table('current_skill_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name=op.f('ck_current_skill_levels_level_range')),
    sa.ForeignKeyConstraint(['observation_id'], ['skill_observations.id'], name=op.f('fk_current_skill_levels_observation_id_skill_observations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_current_skill_levels_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_current_skill_levels_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_current_skill_levels')),
    sa.UniqueConstraint('person_id', 'skill_id', name=op.f('uq_current_skill_levels_person_id_skill_id'))
    )
    with op.batch_alter_table('current_skill_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_current_skill_levels_skill_id'), ['skill_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('current_skill_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_current_skill_levels_skill_id'))

    op.drop_table('current_skill_levels')
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_sessions_person_id'))
        batch_op.drop_index(batch_op.f('ix_coaching_sessions_organisation_id'))

    op.drop_table('coaching_sessions')
    with op.batch_alter_table('skill_observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_observations_skill_id'))
        batch_op.drop_index(batch_op.f('ix_skill_observations_person_id'))

    op.drop_table('skill_observations')
    op.drop_table('responses')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_requests_status'))
        batch_op.drop_index(batch_op.f('ix_help_requests_person_id'))
        batch_op.drop_index(batch_op.f('ix_help_requests_organisation_id'))

    op.drop_table('help_requests')
    op.drop_table('registration_numbers')
    op.drop_table('person_roles')
    with op.batch_alter_table('learning_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_hours_person_id'))
        batch_op.drop_index(batch_op.f('ix_learning_hours_organisation_id'))

    op.drop_table('learning_hours')
    with op.batch_alter_table('function_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_function_assignments_person_id'))

    op.drop_table('function_assignments')
    with op.batch_alter_table('course_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_memberships_person_id'))

    op.drop_table('course_memberships')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_test_version_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_person_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_organisation_id'))

    op.drop_table('attempts')
    with op.batch_alter_table('accreditation_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accreditation_records_person_id'))

    op.drop_table('accreditation_records')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_team_id'))
        batch_op.drop_index(batch_op.f('ix_people_organisation_id'))

    op.drop_table('people')
    op.drop_table('lti_resource_links')
    with op.batch_alter_table('item_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_skills_skill_id'))

    op.drop_table('item_skills')
    op.drop_table('test_version_profiles')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_organisation_id'))

    op.drop_table('teams')
    op.drop_table('skill_levels')
    with op.batch_alter_table('requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirements_function_profile_id'))

    op.drop_table('requirements')
    op.drop_table('lti_deployments')
    op.drop_table('lti_contexts')
    with op.batch_alter_table('learning_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_resources_skill_id'))

    op.drop_table('learning_resources')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_test_version_id'))

    op.drop_table('items')
    with op.batch_alter_table('test_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_versions_digi_test_id'))
        batch_op.drop_index(batch_op.f('ix_test_versions_content_hash'))

    op.drop_table('test_versions')
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skills_theme_id'))

    op.drop_table('skills')
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_items_organisation_id'))
        batch_op.drop_index('ix_outbox_items_due')

    op.drop_table('outbox_items')
    op.drop_table('organisation_function_codes')
    with op.batch_alter_table('lti_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_registrations_organisation_id'))

    op.drop_table('lti_registrations')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locations_organisation_id'))

    op.drop_table('locations')
    op.drop_table('ingest_cursors')
    op.drop_table('earning_rules')
    op.drop_table('accredited_activities')
    op.drop_table('themes')
    op.drop_table('organisations')
    with op.batch_alter_table('lti_launch_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_launch_states_expires_at'))

    op.drop_table('lti_launch_states')
    op.drop_table('help_rules')
    op.drop_table('function_profiles')
    op.drop_table('digi_tests')
    with op.batch_alter_table('content_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_releases_content_hash'))

    op.drop_table('content_releases')
    op.drop_table('accreditation_registries')
