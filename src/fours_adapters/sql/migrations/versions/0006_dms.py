"""DMS feeds: the import journal

Revision ID: 0006_dms
Revises: 0005_rebates
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_domain.dms.records import RecordKind

revision = "0006_dms"
down_revision = "0005_rebates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dms_imports",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("adapter", sa.String(64), nullable=False),
        sa.Column("kind", ft.EnumText(RecordKind, 32), nullable=False),
        sa.Column("document_key", sa.String(200), nullable=False),
        sa.Column("document_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", ft.UtcDateTime(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dms_imports")),
        sa.UniqueConstraint(
            "adapter", "kind", "document_key", name=op.f("uq_dms_imports_adapter_kind_document_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("dms_imports")
