"""The sign-in limit: failures counted per key in one row each, and the browsers users signed in with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sign_in_counter"),
    )
    op.create_index("ix_sign_in_counter_updated_at", "sign_in_counter", ["updated_at"])
    op.create_table(
        "known_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name="fk_known_device_user_id_app_user"),
        sa.PrimaryKeyConstraint("id", name="pk_known_device"),
        sa.UniqueConstraint("token_sha256", name="uq_known_device_token_sha256"),
    )
    op.create_index("ix_known_device_user_id", "known_device", ["user_id"])
    op.create_index("ix_known_device_last_used_at", "known_device", ["last_used_at"])


def downgrade() -> None:
    op.drop_table("known_device")
    op.drop_table("sign_in_counter")
