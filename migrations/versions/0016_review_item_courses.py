"""Both courses of a review item as the request gave them, for the review screens and the parecer.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Items opened before this migration keep NULL: their pages say the courses were not kept.
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("disciplinas", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("disciplinas")
