"""import previews kept on the server, ISINs to resolve, saved column mappings

Revision ID: b14imports01
Revises: c13harden01
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b14imports01'
down_revision = 'c13harden01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('mapping', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_column_mappings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mappings')),
    sa.UniqueConstraint('user_id', 'signature', name=op.f('uq_column_mappings_user_id_signature'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('mapping', sa.Text(), nullable=True))

    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('isin', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('to_resolve', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_securities_isin'), ['isin'], unique=False)


def downgrade():
    with op.batch_alter_table('securities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_securities_isin'))
        batch_op.drop_column('to_resolve')
        batch_op.drop_column('isin')

    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('mapping')
        batch_op.drop_column('content')

    op.drop_table('column_mappings')
