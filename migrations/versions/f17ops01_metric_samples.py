"""metric samples: a minute of figures per process, for the operators' history

Revision ID: f17ops01
Revises: e16income01
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f17ops01'
down_revision = 'e16income01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('metric_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('process', sa.String(length=100), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_samples'))
    )
    with op.batch_alter_table('metric_samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_samples_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('metric_samples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_samples_at'))

    op.drop_table('metric_samples')
