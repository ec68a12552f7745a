"""The portal's Alembic history, apart from the hotline's."""
