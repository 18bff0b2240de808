"""security profiles, fund sectors, portfolio cost method

Revision ID: e16income01
Revises: b14imports01
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e16income01'
down_revision = 'b14imports01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fund_sectors',
    sa.Column('ticker', sa.String(length=32), nullable=False),
    sa.Column('sector', sa.String(length=64), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('ticker', 'sector', name=op.f('pk_fund_sectors'))
    )
    with op.batch_alter_table('portfolios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_method', sa.String(length=10), server_default='average', nullable=False))

    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('sector', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('industry', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dividend_rate', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('ex_dividend_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('profile_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.drop_column('profile_at')
        batch_op.drop_column('ex_dividend_date')
        batch_op.drop_column('dividend_rate')
        batch_op.drop_column('country')
        batch_op.drop_column('industry')
        batch_op.drop_column('sector')
        batch_op.drop_column('quote_type')

    with op.batch_alter_table('portfolios', schema=None) as batch_op:
        batch_op.drop_column('cost_method')

    op.drop_table('fund_sectors')
