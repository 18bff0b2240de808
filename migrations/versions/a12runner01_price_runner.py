"""price runner: wanted tickers, and what the store knows of each security's prices

Revision ID: a12runner01
Revises: 88d34df81026
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a12runner01'
down_revision = '88d34df81026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'wanted_tickers',
        sa.Column('ticker', sa.String(length=32), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('ticker', name=op.f('pk_wanted_tickers')),
    )
    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bars_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('fetched_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('prices_version', sa.Integer(), server_default='0', nullable=False))
    # What the bars already stored say.
    op.execute("UPDATE securities SET bars_until = (SELECT max(date) FROM price_bars WHERE price_bars.ticker = "
               "securities.ticker), fetched_at = (SELECT max(fetched_at) FROM price_bars WHERE price_bars.ticker = "
               "securities.ticker)")


def downgrade():
    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.drop_column('prices_version')
        batch_op.drop_column('fetched_at')
        batch_op.drop_column('bars_until')
    op.drop_table('wanted_tickers')
