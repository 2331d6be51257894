"""commitments: the hours an accepted grouping holds until it is released

Revision ID: 0010_commitments
Revises: 0009_work_periods
Create Date: 2026-11-29 07:30:00

The groupings accepted before it become active commitments, their hours computed as an acceptance
computes them (`app.commitments.hours`); a plan whose stored problem no longer reads commits nothing.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010_commitments"
down_revision: str | None = "0009_work_periods"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["network.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tender_id"], ["tender.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_tender_id"), ["tender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_commitment_one_active_per_tender",
            ["tender_id"],
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        )
    op.create_table(
        "commitment_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("trade", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["structure_id"], ["structure.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_line_commitment_id"), ["commitment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_line_structure_id"), ["structure_id"], unique=False)

    _commit_accepted()


def _commit_accepted() -> None:
    from pydantic import ValidationError

    from app.commitments.hours import grouping_lines, untimed_span
    from solver.problem import PlanningProblem

    plan = sa.table(
        "plan",
        *(sa.column(c, sa.Integer) for c in ("id", "network_id", "tender_id", "accepted_rank")),
        sa.column("problem", sa.JSON),
        sa.column("result", sa.JSON),
        sa.column("accepted_at", sa.DateTime),
    )
    structure = sa.table("structure", sa.column("id", sa.Integer), sa.column("network_id", sa.Integer))
    commitment = sa.table(
        "commitment",
        *(sa.column(c, sa.Integer) for c in ("id", "network_id", "tender_id", "plan_id", "rank")),
        *(sa.column(c, sa.String) for c in ("reference", "status")),
        *(sa.column(c, sa.Date) for c in ("start", "end")),
        sa.column("hours", sa.Float),
        *(sa.column(c, sa.DateTime) for c in ("created_at", "released_at")),
    )
    line = sa.table(
        "commitment_line",
        *(sa.column(c, sa.Integer) for c in ("commitment_id", "structure_id")),
        sa.column("trade", sa.String),
        *(sa.column(c, sa.Date) for c in ("start", "end")),
        sa.column("hours", sa.Float),
    )
    conn = op.get_bind()
    accepted = conn.execute(sa.select(plan).where(plan.c.accepted_rank.is_not(None))).mappings().all()
    for row in accepted:
        try:
            problem = PlanningProblem.model_validate(row["problem"])
        except ValidationError:
            continue
        grouping = next(
            (g for g in (row["result"] or {}).get("groupings", []) if g.get("rank") == row["accepted_rank"]),
            None,
        )
        if grouping is None:
            continue
        at = row["accepted_at"] or datetime.now(UTC).replace(tzinfo=None)
        known = set(
            conn.execute(
                sa.select(structure.c.id).where(structure.c.network_id == row["network_id"])
            ).scalars()
        )
        lines = [
            x
            for x in grouping_lines(problem, grouping, at.date())
            if x.structure.isdigit() and int(x.structure) in known
        ]
        start, end = (
            (min(x.start for x in lines), max(x.end for x in lines))
            if lines
            else untimed_span(problem.tender, at.date())
        )
        made = conn.execute(
            commitment.insert()
            .values(
                network_id=row["network_id"],
                tender_id=row["tender_id"],
                plan_id=row["id"],
                rank=row["accepted_rank"],
                reference=problem.tender.reference,
                status="active",
                start=start,
                end=end,
                hours=round(sum(x.hours for x in lines), 2),
                created_at=at,
            )
            .returning(commitment.c.id)
        ).scalar_one()
        for x in lines:
            conn.execute(
                line.insert().values(
                    commitment_id=made,
                    structure_id=int(x.structure),
                    trade=x.trade,
                    start=x.start,
                    end=x.end,
                    hours=x.hours,
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("commitment_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_line_structure_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_line_commitment_id"))
    op.drop_table("commitment_line")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_one_active_per_tender")
        batch_op.drop_index(batch_op.f("ix_commitment_status"))
        batch_op.drop_index(batch_op.f("ix_commitment_plan_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_tender_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_network_id"))
    op.drop_table("commitment")
