"""Optional API token expiry, and the CDS Hooks JWT ids seen (replay protection across restarts).

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", sa.DateTime(timezone=True)))
    op.create_table(
        "cds_jti",
        sa.Column("key", sa.String(64), primary_key=True),  # SHA-256 of issuer and jti
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_jti_expires_at", "cds_jti", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_cds_jti_expires_at", "cds_jti")
    op.drop_table("cds_jti")
    op.drop_column("api_tokens", "expires_at")
