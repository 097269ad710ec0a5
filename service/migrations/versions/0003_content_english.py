"""content English: an optional English text next to every Dutch content text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: table -> (column, type); every column is nullable: None means the content has no English
COLUMNS = {
    "themes": (("name_en", sa.String(200)), ("description_en", sa.Text())),
    "skills": (("name_en", sa.String(200)), ("description_en", sa.Text())),
    "skill_levels": (("descriptor_en", sa.Text()),),
    "function_profiles": (("name_en", sa.String(200)), ("description_en", sa.Text())),
    "learning_resources": (("title_en", sa.String(200)), ("text_en", sa.Text())),
    "help_rules": (("description_en", sa.Text()),),
    "digi_tests": (("application_en", sa.String(200)), ("function_level_en", sa.String(64))),
    "test_versions": (("title_en", sa.String(200)), ("description_en", sa.Text())),
    "items": (("prompt_en", sa.Text()), ("feedback_en", sa.Text())),
    "accreditation_registries": (("name_en", sa.String(200)), ("number_label_en", sa.String(100))),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for table, columns in reversed(COLUMNS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in reversed(columns):
                batch_op.drop_column(name)
