"""initial library schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:21:34.332938
"""

from typing import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storage_directory', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('photos_created', sa.Integer(), nullable=False),
    sa.Column('images_created', sa.Integer(), nullable=False),
    sa.Column('duplicates_skipped', sa.Integer(), nullable=False),
    sa.Column('files_processed', sa.Integer(), nullable=False),
    sa.Column('errors_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hothash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hotpreview', sa.LargeBinary(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.Column('taken_at_subsec', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('taken_at_offset', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('taken_at_source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('gps_latitude', sa.Float(), nullable=True),
    sa.Column('gps_longitude', sa.Float(), nullable=True),
    sa.Column('gps_altitude', sa.Float(), nullable=True),
    sa.Column('camera_make', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('camera_model', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lens_model', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('focal_length', sa.Float(), nullable=True),
    sa.Column('aperture', sa.Float(), nullable=True),
    sa.Column('iso', sa.Integer(), nullable=True),
    sa.Column('exposure_time', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('orientation', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('user_rotation', sa.Integer(), nullable=False),
    sa.Column('import_session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['import_session_id'], ['import_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hothash')
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index('ix_photo_gps', ['gps_latitude', 'gps_longitude'], unique=False)
        batch_op.create_index('ix_photo_import_session_id', ['import_session_id'], unique=False)
        batch_op.create_index('ix_photo_rating', ['rating'], unique=False)
        batch_op.create_index('ix_photo_taken_at_id', ['taken_at', 'id'], unique=False)

    # Expression indexes for the case-insensitive exact-match filters (autogenerate cannot see them).
    for column in ('camera_make', 'camera_model', 'lens_model'):
        op.create_index(f'ix_photo_{column}_lower', 'photo', [sa.text(f'lower({column})')])

    op.create_table('image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('filename_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_size', sa.BigInteger(), nullable=True),
    sa.Column('exif_data', sa.LargeBinary(), nullable=True),
    sa.Column('import_session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['import_session_id'], ['import_session.id'], ),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('photo_id', 'filename_key', name='uq_image_photo_filename')
    )
    with op.batch_alter_table('image', schema=None) as batch_op:
        batch_op.create_index('ix_image_import_session_id', ['import_session_id'], unique=False)

    op.create_table('photo_tag',
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.Column('tag', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['photo_id'], ['photo.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('photo_id', 'tag')
    )
    with op.batch_alter_table('photo_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_tag_tag'), ['tag'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('photo_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_tag_tag'))

    op.drop_table('photo_tag')
    with op.batch_alter_table('image', schema=None) as batch_op:
        batch_op.drop_index('ix_image_import_session_id')

    op.drop_table('image')
    for column in ('camera_make', 'camera_model', 'lens_model'):
        op.drop_index(f'ix_photo_{column}_lower', table_name='photo')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index('ix_photo_taken_at_id')
        batch_op.drop_index('ix_photo_rating')
        batch_op.drop_index('ix_photo_import_session_id')
        batch_op.drop_index('ix_photo_gps')

    op.drop_table('photo')
    op.drop_table('import_session')
